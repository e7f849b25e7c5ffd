package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// DirectorySnapshot returns the whole synced directory.
func (t *tx) DirectorySnapshot(ctx context.Context) (access.Directory, error) {
	var d access.Directory
	var err error
	if d.Accounts, err = t.accounts(ctx, `SELECT `+accountColumns+` FROM accounts ORDER BY id`); err != nil {
		return d, fmt.Errorf("sqlite: directory snapshot: accounts: %w", err)
	}
	if d.PermissionSets, err = t.permissionSets(ctx, `SELECT `+permissionSetColumns+` FROM permission_sets ORDER BY arn`); err != nil {
		return d, fmt.Errorf("sqlite: directory snapshot: permission sets: %w", err)
	}
	err = t.each(ctx, func(rows *sql.Rows) error {
		var o access.OU
		if err := rows.Scan(&o.ID, &o.Name, &o.ParentID); err != nil {
			return err
		}
		d.OUs = append(d.OUs, o)
		return nil
	}, `SELECT id, name, parent_id FROM ous ORDER BY id`)
	if err != nil {
		return d, fmt.Errorf("sqlite: directory snapshot: ous: %w", err)
	}
	err = t.each(ctx, func(rows *sql.Rows) error {
		u, err := scanUser(rows)
		d.Users = append(d.Users, u)
		return err
	}, `SELECT `+userColumns+` FROM users ORDER BY id`)
	if err != nil {
		return d, fmt.Errorf("sqlite: directory snapshot: users: %w", err)
	}
	err = t.each(ctx, func(rows *sql.Rows) error {
		var g access.Group
		d.Groups = append(d.Groups, g)
		return rows.Scan(&d.Groups[len(d.Groups)-1].ID, &d.Groups[len(d.Groups)-1].Name)
	}, `SELECT id, name FROM groups ORDER BY id`)
	if err != nil {
		return d, fmt.Errorf("sqlite: directory snapshot: groups: %w", err)
	}
	err = t.each(ctx, func(rows *sql.Rows) error {
		var m access.Membership
		d.Memberships = append(d.Memberships, m)
		return rows.Scan(&d.Memberships[len(d.Memberships)-1].GroupID, &d.Memberships[len(d.Memberships)-1].UserID)
	}, `SELECT group_id, user_id FROM memberships ORDER BY group_id, user_id`)
	if err != nil {
		return d, fmt.Errorf("sqlite: directory snapshot: memberships: %w", err)
	}
	return d, nil
}

// GetPolicy returns the policy document of the highest revision.
func (t *tx) GetPolicy(ctx context.Context) (access.StoredPolicy, error) {
	var (
		p   access.StoredPolicy
		at  sql.NullInt64
		doc string
	)
	err := t.tx.QueryRowContext(ctx, `SELECT revision, document, updated_at, updated_by FROM policy_documents
		ORDER BY revision DESC LIMIT 1`).Scan(&p.Revision, &doc, &at, &p.UpdatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return p, notFound("get policy")
	}
	if err != nil {
		return p, fmt.Errorf("sqlite: get policy: %w", err)
	}
	p.Document, p.UpdatedAt = []byte(doc), timeOf(at)
	return p, nil
}

// PolicyRevision returns the revision in effect, 0 when none was applied.
func (t *tx) PolicyRevision(ctx context.Context) (int, error) {
	var rev int
	if err := t.tx.QueryRowContext(ctx, `SELECT coalesce(max(revision), 0) FROM policy_documents`).Scan(&rev); err != nil {
		return 0, fmt.Errorf("sqlite: policy revision: %w", err)
	}
	return rev, nil
}

// PutPolicy stores p as the next revision.
func (t *tx) PutPolicy(ctx context.Context, p access.StoredPolicy) error {
	rev, err := t.PolicyRevision(ctx)
	if err != nil {
		return err
	}
	if p.Revision != rev+1 {
		return fmt.Errorf("sqlite: put policy revision %d: the stored revision is %d: %w", p.Revision, rev, store.ErrConflict)
	}
	if _, err := t.tx.ExecContext(ctx, `INSERT INTO policy_documents (revision, document, updated_at, updated_by) VALUES (?, ?, ?, ?)`,
		p.Revision, string(p.Document), timeArg(p.UpdatedAt), p.UpdatedBy); err != nil {
		return wrapWrite(fmt.Sprintf("put policy revision %d", p.Revision), err)
	}
	return nil
}
