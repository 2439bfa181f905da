-- Pipeline health: periodic per-stage counters, and one row per dead-lettered record (reason
-- and source position only: the record itself stays encrypted in the DLQ topic).
CREATE TABLE IF NOT EXISTS {{.DB}}.pipeline_stats (
    ts           DateTime('UTC'),
    stage        {{lc "String"}},
    instance     {{lc "String"}},
    records_in   UInt64,
    records_out  UInt64,
    records_dlq  UInt64,
    lag          Int64
) ENGINE = MergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (stage, instance, ts);

CREATE TABLE IF NOT EXISTS {{.DB}}.dlq_records (
    received_at      DateTime('UTC'),
    agency           {{lc "String"}},
    stage            {{lc "String"}},
    reason           {{lc "String"}},
    path             String,
    message          String,
    source_topic     {{lc "String"}},
    source_partition Int32,
    source_offset    Int64
) ENGINE = ReplacingMergeTree(received_at)
ORDER BY (source_topic, source_partition, source_offset)
