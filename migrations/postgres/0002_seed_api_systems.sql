-- "Comarch HRM" is predefined (SPEC §7). A migration runs once, so a deleted entry is
-- never re-added; an existing api_systems document is left alone.
INSERT INTO settings (tab, data, version, updated_at, updated_by)
SELECT 'api_systems',
       '{"systems":[{"id":"6d1f7c53-2b0e-4c51-9a53-0f3c6b1e8a01","name":"Comarch HRM"}]}',
       1, dmsctl_now_ms(), 'migration'
WHERE NOT EXISTS (SELECT 1 FROM settings WHERE tab = 'api_systems');
