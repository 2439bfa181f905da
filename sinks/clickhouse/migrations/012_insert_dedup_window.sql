-- The batchers send an insert_deduplication_token (ClickHouse 22.2+) naming each insert by the
-- source offsets it carries, so an insert repeated after a crash is dropped by the server.
-- Replicated tables keep such tokens by default; a single server's MergeTree keeps none unless
-- non_replicated_deduplication_window is set (20.9+). Set here on every table a batcher
-- writes; on older servers nothing is run and idempotence rests on ReplacingMergeTree keys.
-- In cluster mode the statements are dropped: replicated tables deduplicate on their own.
{{if .Server.NonReplicatedDedup}}
ALTER TABLE {{.DB}}.events MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE {{.DB}}.windows MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE {{.DB}}.dlq_records MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE {{.DB}}.alerts MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE {{.DB}}.surge_bands MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE {{.DB}}.pipeline_stats MODIFY SETTING non_replicated_deduplication_window = 1000;
{{end}}
