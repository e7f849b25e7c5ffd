package sqlstore

import (
	"context"
	"fmt"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// DirectorySnapshot returns the whole synced directory.
func (t *Tx) DirectorySnapshot(ctx context.Context) (access.Directory, error) {
	var d access.Directory
	var err error
	if d.Accounts, err = t.accounts(ctx, `SELECT `+accountColumns+` FROM accounts ORDER BY id`); err != nil {
		return d, t.wrap("directory snapshot: accounts", err)
	}
	if d.PermissionSets, err = t.permissionSets(ctx, `SELECT `+permissionSetColumns+` FROM permission_sets ORDER BY arn`); err != nil {
		return d, t.wrap("directory snapshot: permission sets", err)
	}
	if d.OUs, err = collect(ctx, t, func(row Row) (o access.OU, err error) {
		return o, row.Scan(&o.ID, &o.Name, &o.ParentID)
	}, `SELECT id, name, parent_id FROM ous ORDER BY id`); err != nil {
		return d, t.wrap("directory snapshot: ous", err)
	}
	if d.Users, err = collect(ctx, t, scanUser, `SELECT `+userColumns+` FROM users ORDER BY id`); err != nil {
		return d, t.wrap("directory snapshot: users", err)
	}
	if d.Groups, err = collect(ctx, t, func(row Row) (g access.Group, err error) {
		return g, row.Scan(&g.ID, &g.Name)
	}, `SELECT id, name FROM groups ORDER BY id`); err != nil {
		return d, t.wrap("directory snapshot: groups", err)
	}
	if d.Memberships, err = collect(ctx, t, func(row Row) (m access.Membership, err error) {
		return m, row.Scan(&m.GroupID, &m.UserID)
	}, `SELECT group_id, user_id FROM memberships ORDER BY group_id, user_id`); err != nil {
		return d, t.wrap("directory snapshot: memberships", err)
	}
	return d, nil
}

// GetPolicy returns the policy document of the highest revision.
func (t *Tx) GetPolicy(ctx context.Context) (access.StoredPolicy, error) {
	var (
		p   access.StoredPolicy
		at  dbTime
		doc string
	)
	err := t.c.QueryRow(ctx, `SELECT revision, document, updated_at, updated_by FROM policy_documents
		ORDER BY revision DESC LIMIT 1`).Scan(&p.Revision, &doc, &at, &p.UpdatedBy)
	if isNoRows(err) {
		return p, t.notFound("get policy")
	}
	if err != nil {
		return p, t.wrap("get policy", err)
	}
	p.Document, p.UpdatedAt = []byte(doc), timeOf(at)
	return p, nil
}

// PolicyRevision returns the revision in effect, 0 when none was applied.
func (t *Tx) PolicyRevision(ctx context.Context) (int, error) {
	var rev int
	if err := t.c.QueryRow(ctx, `SELECT coalesce(max(revision), 0) FROM policy_documents`).Scan(&rev); err != nil {
		return 0, t.wrap("policy revision", err)
	}
	return rev, nil
}

// PutPolicy stores p as the next revision; a concurrent apply of the same
// revision fails on the primary key with store.ErrConflict.
func (t *Tx) PutPolicy(ctx context.Context, p access.StoredPolicy) error {
	rev, err := t.PolicyRevision(ctx)
	if err != nil {
		return err
	}
	if p.Revision != rev+1 {
		return t.errorf("put policy revision %d: the stored revision is %d: %w", p.Revision, rev, store.ErrConflict)
	}
	if _, err := t.c.Exec(ctx, `INSERT INTO policy_documents (revision, document, updated_at, updated_by) VALUES ($1, $2, $3, $4)`,
		p.Revision, string(p.Document), t.ts(p.UpdatedAt), p.UpdatedBy); err != nil {
		return t.wrap(fmt.Sprintf("put policy revision %d", p.Revision), err)
	}
	return nil
}
