-- 0001: projects, branches, immutable versions, heads and their log, generations, media,
-- review notes, audit log. Portable SQL (DuckDB and PostgreSQL): JSON kept as TEXT.
CREATE TABLE projects (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    config      TEXT NOT NULL,
    branch      TEXT NOT NULL DEFAULT 'main',
    created_at  TIMESTAMP NOT NULL
);

CREATE TABLE branches (
    project_id  TEXT NOT NULL,
    name        TEXT NOT NULL,
    parent      TEXT,
    message     TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (project_id, name)
);

CREATE TABLE versions (
    id             TEXT PRIMARY KEY,
    project_id     TEXT NOT NULL,
    artifact_key   TEXT NOT NULL,
    number         INTEGER NOT NULL,
    kind           TEXT NOT NULL,
    parent_id      TEXT,
    inputs         TEXT NOT NULL,
    payload        TEXT NOT NULL,
    content_hash   TEXT NOT NULL,
    status         TEXT NOT NULL,
    generation_id  TEXT,
    author         TEXT NOT NULL,
    message        TEXT NOT NULL,
    branch         TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    UNIQUE (project_id, artifact_key, number)
);

CREATE TABLE heads (
    project_id    TEXT NOT NULL,
    branch        TEXT NOT NULL,
    artifact_key  TEXT NOT NULL,
    version_id    TEXT NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (project_id, branch, artifact_key)
);

CREATE TABLE head_log (
    id            TEXT PRIMARY KEY,
    project_id    TEXT NOT NULL,
    branch        TEXT NOT NULL,
    artifact_key  TEXT NOT NULL,
    old_version   TEXT,
    new_version   TEXT NOT NULL,
    reason        TEXT NOT NULL,
    moved_at      TIMESTAMP NOT NULL
);

CREATE TABLE generations (
    id                TEXT PRIMARY KEY,
    project_id        TEXT NOT NULL,
    stage             TEXT NOT NULL,
    kind              TEXT NOT NULL,
    template_id       TEXT NOT NULL,
    template_version  TEXT NOT NULL,
    engine            TEXT NOT NULL,
    model             TEXT NOT NULL,
    rendered_prompt   TEXT NOT NULL,
    params            TEXT NOT NULL,
    input_versions    TEXT NOT NULL,
    output_version    TEXT,
    output            TEXT,
    usage             TEXT NOT NULL,
    estimated_cost    DOUBLE PRECISION NOT NULL,
    actual_cost       DOUBLE PRECISION,
    latency_ms        DOUBLE PRECISION,
    status            TEXT NOT NULL,
    error             TEXT,
    idempotency_key   TEXT NOT NULL,
    trace_id          TEXT,
    created_at        TIMESTAMP NOT NULL
);
CREATE INDEX generations_key ON generations (idempotency_key);

CREATE TABLE media (
    sha256      TEXT PRIMARY KEY,
    path        TEXT NOT NULL,
    mime        TEXT NOT NULL,
    width       INTEGER,
    height      INTEGER,
    duration    DOUBLE PRECISION,
    frames      INTEGER,
    bytes       BIGINT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

CREATE TABLE review_notes (
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL,
    target      TEXT NOT NULL,
    stage       TEXT NOT NULL,
    text        TEXT NOT NULL,
    author      TEXT NOT NULL,
    status      TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY,
    project_id  TEXT,
    action      TEXT NOT NULL,
    detail      TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
