-- 0008: who made each change. audit_log.author is the person (the Store's `user`: the signed-in
-- user, $AIUTEUR_USER or the OS user); rows written before 0008 have none. Portable SQL.
ALTER TABLE audit_log ADD COLUMN author TEXT;
CREATE INDEX audit_log_project ON audit_log (project_id, created_at);
