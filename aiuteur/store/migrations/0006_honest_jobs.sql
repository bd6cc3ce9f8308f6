-- 0006: what the job runner needs to be honest about what it bought. Written by aiuteur/jobs/ and
-- aiuteur/engines/output_check.py only. Portable SQL.
-- jobs.start_sent_at: a video start was sent to the provider and its answer (an operation id, or an
-- error) is not recorded yet. A job left like that by a dead process may have been made and billed
-- at the provider: it is reconciled, or bought again only with the user's consent.
ALTER TABLE jobs ADD COLUMN start_sent_at TIMESTAMP;

-- output_checks: the verdict of checking one media file against what its call asked for (an image
-- of the planned size, a clip of the planned length), so a cached output is checked once, not on
-- every reuse. `problem` is NULL when the file passed.
CREATE TABLE output_checks (
    sha256       TEXT NOT NULL,
    expectation  TEXT NOT NULL,
    problem      TEXT,
    checked_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (sha256, expectation)
);
