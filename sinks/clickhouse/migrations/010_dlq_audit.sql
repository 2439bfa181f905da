-- The DLQ audit trail: one row per `vigia dlq show` or `vigia dlq replay`, written before any
-- record is decrypted (the command shows and replays nothing when the row cannot be written).
-- Append-only: a plain MergeTree that Vigía never updates, deletes or replaces, kept as long
-- as the database. It holds who read what and why, never a record's content: positions and
-- clear headers only.
CREATE TABLE IF NOT EXISTS {{.DB}}.dlq_audit (
    at               DateTime('UTC'),     -- when the command wrote the row
    audit_id         String,              -- random, also in the command's log line
    action           {{lc "String"}},     -- show | replay
    os_user          String,              -- the operating-system account that ran the command
    host             String,
    kafka_principal  String,              -- who read the DLQ topic, e.g. User:vigia-pipeline
    kafka_writer     String,              -- replay: who wrote to the raw topics, empty for show
    reason           String,              -- why, the operator's --reason
    key_scope        {{lc "String"}},     -- master | agency:<id>[,<id>...]
    agencies         Array(String),       -- agencies of the selected records
    selection        String,              -- a DLQ position (show) or the filters (replay)
    records          Array(String),       -- source position topic/partition/offset of each selected record
    count            UInt32,              -- length of records
    refused          String               -- why the command went no further ('' when it showed or replayed)
) ENGINE = MergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (at, audit_id);
