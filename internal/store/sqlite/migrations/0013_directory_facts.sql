-- 0013_directory_facts: what a delegated administrator may not do, and
-- drift that people see.
--
-- limit_reason says, in words, why elevate may not assign access in an
-- account (the management account, seen from a delegated administrator) or
-- assign a permission set (provisioned to the management account, or one
-- AWS refuses to describe); empty when it may. The staging tables carry it
-- so that a sync that learns or forgets a limit changes the row.
--
-- grants.drift_missing_since is when reconciliation first found an active
-- grant's assignment missing in AWS; NULL when it is not (or no longer).
ALTER TABLE accounts ADD COLUMN limit_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE stage_accounts ADD COLUMN limit_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE permission_sets ADD COLUMN limit_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE stage_permission_sets ADD COLUMN limit_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE grants ADD COLUMN drift_missing_since INTEGER;
