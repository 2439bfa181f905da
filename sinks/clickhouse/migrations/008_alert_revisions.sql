-- Alerts decided on revised data (late records reached a judged period) and why an alert
-- resolved: 'quiet' (periods without any level) or 'revised' (revised data no longer show
-- the surge). Rows written before this migration read 0 and ''.
ALTER TABLE {{.DB}}.alerts ADD COLUMN detected_late UInt8 DEFAULT 0, ADD COLUMN reason {{lc "String"}} DEFAULT ''
