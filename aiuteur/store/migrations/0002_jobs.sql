-- 0002: jobs — every paid engine call is a row here before it is made, so a crash loses nothing
-- and pays for nothing twice. Written by aiuteur/jobs/ only. Portable SQL: JSON kept as TEXT.
-- status: queued | running | done | failed | cancelled. `operation_id` is the provider's id of a
-- long-running operation (a video), kept so a resumed runner polls it instead of starting anew.
CREATE TABLE jobs (
    id               TEXT PRIMARY KEY,
    project_id       TEXT NOT NULL,
    batch_id         TEXT NOT NULL,
    kind             TEXT NOT NULL,
    stage            TEXT NOT NULL,
    provider         TEXT NOT NULL,
    engine           TEXT NOT NULL,
    idempotency_key  TEXT NOT NULL,
    request          TEXT NOT NULL,
    call             TEXT NOT NULL,
    status           TEXT NOT NULL,
    attempts         INTEGER NOT NULL,
    operation_id     TEXT,
    next_attempt_at  TIMESTAMP,
    estimated_cost   DOUBLE PRECISION NOT NULL,
    error            TEXT,
    provider_reason  TEXT,
    generation_id    TEXT,
    created_at       TIMESTAMP NOT NULL,
    started_at       TIMESTAMP,
    finished_at      TIMESTAMP,
    updated_at       TIMESTAMP NOT NULL
);
CREATE INDEX jobs_project ON jobs (project_id);
CREATE INDEX jobs_key ON jobs (idempotency_key);
