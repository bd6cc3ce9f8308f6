-- 0007: review notes that close the loop, and notifications. Written by aiuteur/store/notes.py and
-- aiuteur/notify.py only. Portable SQL (DuckDB and PostgreSQL): JSON kept as TEXT.
-- review_notes.state: open | in_progress | resolved | wont_fix (was `status`: open | resolved).
-- shot: the shot a note is on. frame and fps: the film frame it points at (its timecode).
-- category: confirmed by a person. suggested_category and suggested_by: what the offline rules
-- or a text engine proposed. The stage that fixes a category is in data/review_routes.json.
ALTER TABLE review_notes RENAME COLUMN status TO state;
-- stage: NULL until a category is suggested or confirmed (no more "anything unmatched goes to video")
ALTER TABLE review_notes ALTER COLUMN stage DROP NOT NULL;
ALTER TABLE review_notes ADD COLUMN shot TEXT;
ALTER TABLE review_notes ADD COLUMN frame INTEGER;
ALTER TABLE review_notes ADD COLUMN fps INTEGER;
ALTER TABLE review_notes ADD COLUMN category TEXT;
ALTER TABLE review_notes ADD COLUMN suggested_category TEXT;
ALTER TABLE review_notes ADD COLUMN suggested_by TEXT;
ALTER TABLE review_notes ADD COLUMN assignee TEXT;
ALTER TABLE review_notes ADD COLUMN updated_at TIMESTAMP;

-- notes written before 0007 were routed by keywords straight to a stage: keep their stage, name
-- the shipped category that routes there as a suggestion, and find the shot of a note on a shot
UPDATE review_notes SET shot = target WHERE target <> 'film' AND target NOT LIKE 'scene/%';
UPDATE review_notes SET suggested_by = 'rules', suggested_category = CASE stage
    WHEN 'script' THEN 'story' WHEN 'visual_states' THEN 'continuity' WHEN 'shots' THEN 'timing'
    WHEN 'frames' THEN 'look' WHEN 'video' THEN 'motion' ELSE NULL END;

-- every change in a note's life, in order: added, category confirmed, assigned, state set, retake
CREATE TABLE review_note_events (
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL,
    note_id     TEXT NOT NULL,
    action      TEXT NOT NULL,
    detail      TEXT NOT NULL,
    author      TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX review_note_events_note ON review_note_events (note_id);

-- the clip versions made for a note (a retake): the note resolves when they are approved
CREATE TABLE review_note_retakes (
    project_id      TEXT NOT NULL,
    note_id         TEXT NOT NULL,
    shot_id         TEXT NOT NULL,
    version_id      TEXT NOT NULL,
    version_number  INTEGER NOT NULL,
    author          TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (note_id, version_id)
);

-- where notifications go besides the studio's toasts: channel webhook | email. kinds: JSON list
CREATE TABLE notification_hooks (
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL,
    channel     TEXT NOT NULL,
    target      TEXT NOT NULL,
    kinds       TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    deleted_at  TIMESTAMP
);

-- the notification history. event_key names the event (a batch that ended, a budget level
-- crossed, a note assigned) so it is notified once, whichever process sees it first
CREATE TABLE notifications (
    id           TEXT PRIMARY KEY,
    project_id   TEXT NOT NULL,
    kind         TEXT NOT NULL,
    event_key    TEXT NOT NULL UNIQUE,
    level        TEXT NOT NULL,
    title        TEXT NOT NULL,
    body         TEXT NOT NULL,
    detail       TEXT NOT NULL,
    occurred_at  TIMESTAMP NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX notifications_project ON notifications (project_id);

CREATE TABLE notification_deliveries (
    id               TEXT PRIMARY KEY,
    project_id       TEXT NOT NULL,
    notification_id  TEXT NOT NULL,
    hook_id          TEXT NOT NULL,
    channel          TEXT NOT NULL,
    status           TEXT NOT NULL,
    error            TEXT,
    created_at       TIMESTAMP NOT NULL
)
