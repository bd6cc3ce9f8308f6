-- 0004: style capsule libraries shared across projects (writing and visual), their immutable
-- versions, and the log of every application of a capsule version (to a generation or a version).
CREATE TABLE capsules (
    id          TEXT PRIMARY KEY,
    library     TEXT NOT NULL,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    deleted_at  TIMESTAMP
);

CREATE TABLE capsule_versions (
    capsule_id    TEXT NOT NULL,
    number        INTEGER NOT NULL,
    payload       TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    author        TEXT NOT NULL,
    message       TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (capsule_id, number)
);

CREATE TABLE capsule_applications (
    id                 TEXT PRIMARY KEY,
    project_id         TEXT NOT NULL,
    kind               TEXT NOT NULL,
    capsule_name       TEXT NOT NULL,
    capsule_source     TEXT NOT NULL,
    capsule_version    INTEGER NOT NULL,
    style_version_id   TEXT NOT NULL,
    stage              TEXT NOT NULL,
    generation_id      TEXT,
    target_version_id  TEXT,
    created_at         TIMESTAMP NOT NULL
);
CREATE INDEX capsule_applications_project ON capsule_applications (project_id)
