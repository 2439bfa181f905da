-- The points registry (schemas/points/points.csv), loaded by `vigia migrate`.
CREATE TABLE IF NOT EXISTS {{.DB}}.points (
    id         String,
    name       String,
    country    {{lc "String"}},
    kind       {{lc "String"}},
    latitude   Float64,
    longitude  Float64,
    timezone   {{lc "String"}},
    source     String,
    loaded_at  DateTime('UTC')
) ENGINE = ReplacingMergeTree(loaded_at)
ORDER BY id
