-- Every judged period of every monitored series: observed, what the detector expected and its
-- warning bound, for the dashboards' expected band. A re-judgment replaces the row.
CREATE TABLE IF NOT EXISTS {{.DB}}.surge_bands (
    resolution    Enum8('hour' = 1, 'day' = 2, 'week' = 3, 'month' = 4),
    series        String,
    point_id      {{lc "String"}},
    country       {{lc "String"}},
    type          {{lc "String"}},
    role          {{lc "String"}},
    population    {{lc "String"}},
    nationality   {{lc "String"}},
    period_start  DateTime('UTC'),
    observed      Float64,
    expected      Float64,
    upper         Float64,
    severity      Enum8('none' = 0, 'watch' = 1, 'warning' = 2, 'alert' = 3),
    method        {{lc "String"}},
    judged_at     DateTime('UTC')
) ENGINE = ReplacingMergeTree(judged_at)
PARTITION BY toYYYYMM(period_start)
ORDER BY (resolution, point_id, country, type, role, population, nationality, period_start)
