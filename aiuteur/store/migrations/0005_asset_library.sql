-- 0005: the global asset library shared by every project in a workspace: entries (searchable by
-- name, kind and tags) and their immutable versions. Which projects use an entry is read from the
-- projects' master assets (asset/<slug> heads remember their source), never stored twice.
CREATE TABLE library_assets (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    tags        TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    deleted_at  TIMESTAMP
);

CREATE TABLE library_asset_versions (
    asset_id        TEXT NOT NULL,
    number          INTEGER NOT NULL,
    payload         TEXT NOT NULL,
    content_hash    TEXT NOT NULL,
    source_project  TEXT,
    source_version  TEXT,
    author          TEXT NOT NULL,
    message         TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (asset_id, number)
);
