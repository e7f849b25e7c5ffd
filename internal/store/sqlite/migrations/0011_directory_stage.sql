-- 0011_directory_stage: the directory sync's staging area (issue 4).
--
-- A sync streams the pages it reads from AWS into these tables under its
-- run id, in small committed batches; when the whole pass succeeded, one
-- transaction compares the staged rows with the directory tables, writes
-- only the rows that changed, deletes the rows not seen, and drops the
-- run's staging rows. A failed sync drops its rows and leaves the directory
-- as it was. directory_stage_runs lets a later sync discard the rows of a
-- run that died (older than the longest a sync may run).
CREATE TABLE directory_stage_runs (
    run_id     TEXT NOT NULL PRIMARY KEY,
    started_at INTEGER
) STRICT;

CREATE TABLE stage_accounts (
    run_id    TEXT NOT NULL,
    id        TEXT NOT NULL,
    name      TEXT NOT NULL,
    email     TEXT NOT NULL,
    state     TEXT NOT NULL,
    parent_id TEXT NOT NULL,
    PRIMARY KEY (run_id, id)
) STRICT, WITHOUT ROWID;

CREATE TABLE stage_ous (
    run_id    TEXT NOT NULL,
    id        TEXT NOT NULL,
    name      TEXT NOT NULL,
    parent_id TEXT NOT NULL,
    PRIMARY KEY (run_id, id)
) STRICT, WITHOUT ROWID;

CREATE TABLE stage_permission_sets (
    run_id              TEXT    NOT NULL,
    arn                 TEXT    NOT NULL,
    name                TEXT    NOT NULL,
    description         TEXT    NOT NULL,
    session_duration_ns INTEGER NOT NULL,
    PRIMARY KEY (run_id, arn)
) STRICT, WITHOUT ROWID;

CREATE TABLE stage_users (
    run_id       TEXT    NOT NULL,
    id           TEXT    NOT NULL,
    user_name    TEXT    NOT NULL,
    display_name TEXT    NOT NULL,
    email        TEXT    NOT NULL,
    active       INTEGER NOT NULL CHECK (active IN (0, 1)),
    PRIMARY KEY (run_id, id)
) STRICT, WITHOUT ROWID;

CREATE TABLE stage_groups (
    run_id TEXT NOT NULL,
    id     TEXT NOT NULL,
    name   TEXT NOT NULL,
    PRIMARY KEY (run_id, id)
) STRICT, WITHOUT ROWID;

CREATE TABLE stage_memberships (
    run_id   TEXT NOT NULL,
    group_id TEXT NOT NULL,
    user_id  TEXT NOT NULL,
    PRIMARY KEY (run_id, group_id, user_id)
) STRICT, WITHOUT ROWID;
