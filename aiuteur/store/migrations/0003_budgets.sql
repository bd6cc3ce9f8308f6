-- 0003: budgets, approvals and the cost ledger.
-- The ledger is append-only: a call's estimate is `reserve`d before it may start, and later
-- `release`d (a negative amount) and `charge`d at the billed cost. Spent = sum of charges;
-- committed = the sum of all entries (spent + outstanding reservations).
CREATE TABLE budgets (
    project_id              TEXT PRIMARY KEY,
    limit_usd               DOUBLE PRECISION,
    mode                    TEXT NOT NULL,
    approval_threshold_usd  DOUBLE PRECISION,
    updated_at              TIMESTAMP NOT NULL
);

CREATE TABLE approvals (
    id           TEXT PRIMARY KEY,
    project_id   TEXT NOT NULL,
    scope        TEXT NOT NULL,
    max_usd      DOUBLE PRECISION NOT NULL,
    approved_by  TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX approvals_scope ON approvals (project_id, scope);

CREATE TABLE cost_ledger (
    id             TEXT PRIMARY KEY,
    project_id     TEXT NOT NULL,
    job_id         TEXT,
    generation_id  TEXT,
    engine         TEXT NOT NULL,
    entry          TEXT NOT NULL,
    amount_usd     DOUBLE PRECISION NOT NULL,
    note           TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL
);
CREATE INDEX cost_ledger_project ON cost_ledger (project_id);
CREATE INDEX cost_ledger_job ON cost_ledger (job_id);
