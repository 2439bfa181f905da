-- Surge alert lifecycle: one row per (alert, version); the latest version is the alert's state.
CREATE TABLE IF NOT EXISTS {{.DB}}.alerts (
    alert_id      String,
    version       UInt32,
    state         Enum8('opened' = 1, 'updated' = 2, 'resolved' = 3),
    series        String,
    point_id      {{lc "String"}},
    country       {{lc "String"}},
    type          {{lc "String"}},
    role          {{lc "String"}},
    population    {{lc "String"}},
    nationality   {{lc "String"}},
    resolution    Enum8('hour' = 1, 'day' = 2, 'week' = 3, 'month' = 4),
    method        {{lc "String"}},
    severity      Enum8('watch' = 1, 'warning' = 2, 'alert' = 3),
    period_start  DateTime('UTC'),
    opened_at     DateTime('UTC'),
    changed_at    DateTime('UTC'),
    observed      Float64,
    expected      Float64,
    upper         Float64,
    factor        Float64,
    peak          Float64
) ENGINE = ReplacingMergeTree(changed_at)
PARTITION BY toYYYYMM(opened_at)
ORDER BY (alert_id, version)
