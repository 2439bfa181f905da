-- The observatory's brief (issue 18): consular assistance and reception referrals as event
-- types; an event's origin subdivision, a return's reception centre, a case's type, status
-- and country, a referral's service and outcome (codes, none of them personal); protection
-- needs counted per point and local day, never per row; and the published brief figures.
-- Extending an Enum with new values is a metadata change (checked on ClickHouse 18.16, also
-- for a sorting-key column). Rows written before read the defaults ('' and 'none').
ALTER TABLE {{.DB}}.events
    MODIFY COLUMN type Enum8('crossing' = 1, 'detention' = 2, 'return' = 3, 'assistance' = 4, 'referral' = 5),
    ADD COLUMN origin_subdivision {{lc "String"}} DEFAULT '',
    ADD COLUMN reception_point_id {{lc "String"}} DEFAULT '',
    ADD COLUMN assistance_country {{lc "String"}} DEFAULT '',
    ADD COLUMN case_type Enum8('none' = 0, 'detention' = 1, 'removal_proceedings' = 2, 'hospitalisation' = 3, 'death' = 4, 'missing_person' = 5, 'repatriation_of_remains' = 6, 'documents' = 7, 'child_protection' = 8, 'other' = 9) DEFAULT 'none',
    ADD COLUMN case_status Enum8('none' = 0, 'opened' = 1, 'closed' = 2) DEFAULT 'none',
    ADD COLUMN service Enum8('none' = 0, 'health' = 1, 'psychosocial' = 2, 'legal' = 3, 'child_protection' = 4, 'family_reunification' = 5, 'shelter' = 6, 'employment' = 7, 'reintegration_programme' = 8) DEFAULT 'none',
    ADD COLUMN outcome Enum8('none' = 0, 'pending' = 1, 'attended' = 2, 'enrolled' = 3, 'declined' = 4, 'unreachable' = 5) DEFAULT 'none';
ALTER TABLE {{.DB}}.windows
    MODIFY COLUMN type Enum8('crossing' = 1, 'detention' = 2, 'return' = 3, 'assistance' = 4, 'referral' = 5);
ALTER TABLE {{.Public}}.figures
    MODIFY COLUMN type Enum8('crossing' = 1, 'detention' = 2, 'return' = 3, 'assistance' = 4, 'referral' = 5);

-- Protection needs, counted by the window stage: persons with each need by point, the point's
-- local day, type and minor. A row is one block of a vigia.clean partition (block = the offset
-- the block's counting began at) and holds the block's running count; version is the offset
-- after the last record counted, so a later count of the same block replaces an earlier one
-- and a partition's max(version) is where a new owner resumes counting. Sum over blocks.
CREATE TABLE IF NOT EXISTS {{.DB}}.protection_counts (
    day            DateTime('UTC'),
    point_id       {{lc "String"}},
    point_country  {{lc "String"}},
    type           Enum8('crossing' = 1, 'detention' = 2, 'return' = 3, 'assistance' = 4, 'referral' = 5),
    minor          UInt8,
    need           {{lc "String"}},
    part           UInt16,
    block          UInt64,
    persons        UInt64,
    version        UInt64,
    computed_at    DateTime('UTC')
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(day)
ORDER BY (point_id, day, type, minor, need, part, block);

-- The brief as published (the publish stage, lib/disclosure): persons by local month at the
-- grains the observatory's bulletins use, every count protected (k 5; 10 for children's cells
-- and for every protection need).
--   consular_month:    measure assistance; nationality, country of assistance, code = case
--                      type, status = case status
--   centre_month:      measures received, referred, enrolled; point_id = reception centre
--   subdivision_month: measures returned, received, referred, enrolled; subdivision
--   service_month:     measure referred; point_id = centre, code = service, status = outcome
--   protection_month:  measure protection; point_id, type, code = need
CREATE TABLE IF NOT EXISTS {{.Public}}.brief (
    grain         Enum8('consular_month' = 1, 'centre_month' = 2, 'subdivision_month' = 3, 'service_month' = 4, 'protection_month' = 5),
    measure       Enum8('assistance' = 1, 'returned' = 2, 'received' = 3, 'referred' = 4, 'enrolled' = 5, 'protection' = 6),
    period_start  DateTime('UTC'),
    point_id      {{lc "String"}},
    country       {{lc "String"}},
    nationality   {{lc "String"}},
    subdivision   {{lc "String"}},
    type          {{lc "String"}},
    code          {{lc "String"}},
    status        {{lc "String"}},
    category      Enum8('unknown' = 0, 'single_adult' = 1, 'family_unit' = 2, 'unaccompanied_minor' = 3, 'accompanied_minor' = 4),
    minor         UInt8,
    persons       UInt64,
    suppressed    UInt8,
    k             UInt8,
    version       UInt64,
    published_at  DateTime('UTC')
) ENGINE = ReplacingMergeTree(version)
PARTITION BY (grain, toYYYYMM(period_start))
ORDER BY (grain, measure, period_start, country, point_id, nationality, subdivision, type, code, status, category, minor);

-- The subdivisions' representative points, for map panels (public knowledge).
CREATE TABLE IF NOT EXISTS {{.Public}}.subdivisions (
    code       String,
    country    {{lc "String"}},
    name       String,
    latitude   Float64,
    longitude  Float64,
    loaded_at  DateTime('UTC')
) ENGINE = ReplacingMergeTree(loaded_at)
ORDER BY code
