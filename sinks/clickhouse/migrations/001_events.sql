-- Clean (anonymized, deduplicated) events. ReplacingMergeTree on the event's identity, so a
-- replay after a crash overwrites instead of adding: read with FINAL.
CREATE TABLE IF NOT EXISTS {{.DB}}.events (
    agency              {{lc "String"}},
    event_id            String,
    schema_version      UInt8,
    type                Enum8('crossing' = 1, 'detention' = 2, 'return' = 3),
    occurred_at         DateTime('UTC'),
    point_id            {{lc "String"}},
    point_country       {{lc "String"}},
    role                Enum8('origin' = 1, 'transit' = 2, 'destination' = 3),
    direction           Enum8('none' = 0, 'entry' = 1, 'exit' = 2),
    count               UInt32,
    nationality         {{lc "String"}},
    sex                 Enum8('unspecified' = 0, 'female' = 1, 'male' = 2, 'other' = 3, 'unknown' = 4),
    age_band            {{lc "String"}},
    minor               UInt8,
    unaccompanied       UInt8,
    category            Enum8('unknown' = 0, 'single_adult' = 1, 'family_unit' = 2, 'unaccompanied_minor' = 3, 'accompanied_minor' = 4),
    destination_country {{lc "String"}},
    returning_country   {{lc "String"}},
    mode                Enum8('none' = 0, 'air' = 1, 'land' = 2, 'sea' = 3),
    person_pseudonym    String,
    family_pseudonym    String,
    key_id              {{lc "String"}},
    ingested_at         DateTime('UTC'),
    version             UInt64
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (point_id, type, occurred_at, agency, event_id)
