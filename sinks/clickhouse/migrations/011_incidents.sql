-- Surges followed as incidents, and new corridors. incident_id groups the alerts of one surge
-- at a country's points, the country and its nationalities (same country, type, role and
-- resolution, opened while another of them was open); kind is '' for a count series and
-- 'corridor' for a new-corridor alert (a nationality that was rare at a point and is not).
-- Rows written before this migration read ''.
ALTER TABLE {{.DB}}.alerts ADD COLUMN kind {{lc "String"}} DEFAULT '', ADD COLUMN incident_id String DEFAULT '';
ALTER TABLE {{.Public}}.alerts ADD COLUMN kind {{lc "String"}} DEFAULT '', ADD COLUMN incident_id String DEFAULT ''
