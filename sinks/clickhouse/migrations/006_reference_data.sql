-- Which version of each reference data set (the points registry, ...) is loaded, so that
-- `vigia migrate` reloads it only when it changed.
CREATE TABLE IF NOT EXISTS {{.DB}}.reference_data (
    name       String,
    checksum   String,
    rows       UInt32,
    loaded_at  DateTime('UTC')
) ENGINE = ReplacingMergeTree(loaded_at)
ORDER BY name
