-- 0011_directory_stage: the directory sync's staging area (issue 4).
--
-- A sync streams the pages it reads from AWS into these tables under its
-- run id, in small committed batches; when the whole pass succeeded, one
-- transaction compares the staged rows with the directory tables, writes
-- only the rows that changed, deletes the rows not seen, and drops the
-- run's staging rows. A failed sync drops its rows and leaves the directory
-- as it was. The staging tables are UNLOGGED: a crash loses only a sync in
-- progress, which the next one redoes. directory_stage_runs lets a later
-- sync discard the rows of a run that died.
CREATE TABLE directory_stage_runs (
    run_id     text COLLATE "C" NOT NULL PRIMARY KEY,
    started_at timestamptz
);

CREATE UNLOGGED TABLE stage_accounts (
    run_id    text COLLATE "C" NOT NULL,
    id        text COLLATE "C" NOT NULL,
    name      text COLLATE "C" NOT NULL,
    email     text COLLATE "C" NOT NULL,
    state     text COLLATE "C" NOT NULL,
    parent_id text COLLATE "C" NOT NULL,
    PRIMARY KEY (run_id, id)
);

CREATE UNLOGGED TABLE stage_ous (
    run_id    text COLLATE "C" NOT NULL,
    id        text COLLATE "C" NOT NULL,
    name      text COLLATE "C" NOT NULL,
    parent_id text COLLATE "C" NOT NULL,
    PRIMARY KEY (run_id, id)
);

CREATE UNLOGGED TABLE stage_permission_sets (
    run_id              text COLLATE "C" NOT NULL,
    arn                 text COLLATE "C" NOT NULL,
    name                text COLLATE "C" NOT NULL,
    description         text COLLATE "C" NOT NULL,
    session_duration_ns bigint NOT NULL,
    PRIMARY KEY (run_id, arn)
);

CREATE UNLOGGED TABLE stage_users (
    run_id       text COLLATE "C" NOT NULL,
    id           text COLLATE "C" NOT NULL,
    user_name    text COLLATE "C" NOT NULL,
    display_name text COLLATE "C" NOT NULL,
    email        text COLLATE "C" NOT NULL,
    active       boolean NOT NULL,
    PRIMARY KEY (run_id, id)
);

CREATE UNLOGGED TABLE stage_groups (
    run_id text COLLATE "C" NOT NULL,
    id     text COLLATE "C" NOT NULL,
    name   text COLLATE "C" NOT NULL,
    PRIMARY KEY (run_id, id)
);

CREATE UNLOGGED TABLE stage_memberships (
    run_id   text COLLATE "C" NOT NULL,
    group_id text COLLATE "C" NOT NULL,
    user_id  text COLLATE "C" NOT NULL,
    PRIMARY KEY (run_id, group_id, user_id)
);
