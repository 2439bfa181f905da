-- The published layer: the only database analysts, Grafana and exports read ({{.Public}},
-- that is <database>_public). Every person count in it is protected once, by lib/disclosure:
-- under k (5; 10 for children's cells) it is suppressed (persons 0, suppressed 1), and every
-- other count is rounded to a multiple of that k, up or down by a keyed draw per cell. Rows
-- are written by the publish stage from the windows as they change (late data included);
-- the latest version of a cell replaces the others (read with FINAL).
CREATE DATABASE IF NOT EXISTS {{.Public}};

-- Persons at fixed granularities. point_hour: UTC hours by point; point_day, country_day,
-- country_week, country_month: the local date (at 00:00 UTC) of the point's day, the Monday of
-- its week, the first of its month. Point grains leave nationality empty; country grains
-- leave point_id empty.
CREATE TABLE IF NOT EXISTS {{.Public}}.figures (
    grain         Enum8('point_hour' = 1, 'point_day' = 2, 'country_day' = 3, 'country_week' = 4, 'country_month' = 5),
    period_start  DateTime('UTC'),
    point_id      {{lc "String"}},
    country       {{lc "String"}},
    type          Enum8('crossing' = 1, 'detention' = 2, 'return' = 3),
    role          Enum8('origin' = 1, 'transit' = 2, 'destination' = 3),
    category      Enum8('unknown' = 0, 'single_adult' = 1, 'family_unit' = 2, 'unaccompanied_minor' = 3, 'accompanied_minor' = 4),
    minor         UInt8,
    nationality   {{lc "String"}},
    persons       UInt64,
    suppressed    UInt8,
    k             UInt8,
    version       UInt64,
    published_at  DateTime('UTC')
) ENGINE = ReplacingMergeTree(version)
PARTITION BY (grain, toYYYYMM(period_start))
ORDER BY (grain, country, point_id, type, role, period_start, category, minor, nationality);

-- The points registry (public knowledge: names, places, kinds).
CREATE TABLE IF NOT EXISTS {{.Public}}.points (
    id         String,
    name       String,
    country    {{lc "String"}},
    kind       {{lc "String"}},
    latitude   Float64,
    longitude  Float64,
    loaded_at  DateTime('UTC')
) ENGINE = ReplacingMergeTree(loaded_at)
ORDER BY id;

-- Surge alerts as published: the latest version of each, observed and peak protected as the
-- series' cells are (a children's series with k 10).
CREATE TABLE IF NOT EXISTS {{.Public}}.alerts (
    alert_id      String,
    version       UInt32,
    state         Enum8('opened' = 1, 'updated' = 2, 'resolved' = 3),
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
    observed      UInt64,
    observed_suppressed UInt8,
    expected      Float64,
    upper         Float64,
    peak          UInt64,
    peak_suppressed UInt8,
    detected_late UInt8,
    reason        {{lc "String"}},
    k             UInt8
) ENGINE = ReplacingMergeTree(changed_at)
ORDER BY (alert_id, version);

-- The expected band of each judged period, observed protected.
CREATE TABLE IF NOT EXISTS {{.Public}}.surge_bands (
    resolution    Enum8('hour' = 1, 'day' = 2, 'week' = 3, 'month' = 4),
    point_id      {{lc "String"}},
    country       {{lc "String"}},
    type          {{lc "String"}},
    role          {{lc "String"}},
    population    {{lc "String"}},
    nationality   {{lc "String"}},
    period_start  DateTime('UTC'),
    observed      UInt64,
    suppressed    UInt8,
    expected      Float64,
    upper         Float64,
    severity      Enum8('none' = 0, 'watch' = 1, 'warning' = 2, 'alert' = 3),
    k             UInt8,
    judged_at     DateTime('UTC')
) ENGINE = ReplacingMergeTree(judged_at)
ORDER BY (resolution, point_id, country, type, role, population, nationality, period_start);

-- Completeness, for the "still filling" shading and the pipeline-health dashboard: per agency
-- and point, the newest event time it has sent, and its records (not persons) and those that
-- arrived late (over watermark delay + allowed lateness after the event).
CREATE TABLE IF NOT EXISTS {{.Public}}.agency_points (
    agency        {{lc "String"}},
    point_id      {{lc "String"}},
    newest        DateTime('UTC'),
    records       UInt64,
    late          UInt64,
    published_at  DateTime('UTC')
) ENGINE = ReplacingMergeTree(published_at)
ORDER BY (agency, point_id);

-- Operations for the pipeline-health dashboard: records (not persons) per stage and second,
-- and the DLQ by agency, reason and stage.
CREATE TABLE IF NOT EXISTS {{.Public}}.pipeline_stats (
    ts           DateTime('UTC'),
    stage        {{lc "String"}},
    instance     {{lc "String"}},
    records_in   UInt64,
    records_out  UInt64,
    records_dlq  UInt64,
    lag          Int64
) ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(ts)
ORDER BY (stage, instance, ts);

CREATE TABLE IF NOT EXISTS {{.Public}}.dlq_summary (
    agency        {{lc "String"}},
    reason        {{lc "String"}},
    stage         {{lc "String"}},
    records       UInt64,
    newest        DateTime('UTC'),
    published_at  DateTime('UTC')
) ENGINE = ReplacingMergeTree(published_at)
ORDER BY (agency, reason, stage)
