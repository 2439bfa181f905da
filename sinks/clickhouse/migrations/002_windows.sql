-- Event-time window counts. A late event re-emits its window with a higher version; the
-- table keeps the latest (read with FINAL).
CREATE TABLE IF NOT EXISTS {{.DB}}.windows (
    resolution     Enum8('hour' = 1, 'day' = 2, 'week' = 3, 'month' = 4),
    window_start   DateTime('UTC'),
    point_id       {{lc "String"}},
    point_country  {{lc "String"}},
    type           Enum8('crossing' = 1, 'detention' = 2, 'return' = 3),
    role           Enum8('origin' = 1, 'transit' = 2, 'destination' = 3),
    nationality    {{lc "String"}},
    sex            Enum8('unspecified' = 0, 'female' = 1, 'male' = 2, 'other' = 3, 'unknown' = 4),
    age_band       {{lc "String"}},
    minor          UInt8,
    unaccompanied  UInt8,
    category       Enum8('unknown' = 0, 'single_adult' = 1, 'family_unit' = 2, 'unaccompanied_minor' = 3, 'accompanied_minor' = 4),
    persons        UInt64,
    events         UInt64,
    version        UInt64,
    computed_at    DateTime('UTC')
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(window_start)
ORDER BY (resolution, point_id, type, role, window_start, nationality, sex, age_band, minor, unaccompanied, category)
