package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// ReplaceDirectory deletes the stored directory and inserts d in its place,
// with one prepared statement per table, then records syncedAt. A membership
// listed twice is stored once; any other id listed twice is an error.
func (t *tx) ReplaceDirectory(ctx context.Context, d access.Directory, syncedAt time.Time) error {
	for _, table := range []string{"accounts", "ous", "permission_sets", "users", "groups", "memberships", "directory_sync"} {
		// The table names are constants: only values are ever parameters.
		if _, err := t.tx.ExecContext(ctx, `DELETE FROM `+table); err != nil { //nolint:gosec // G202: table and column names are constants of this package; values are bound parameters
			return fmt.Errorf("sqlite: replace directory: delete %s: %w", table, err)
		}
	}
	err := insertAll(ctx, t.tx, "accounts", `INSERT INTO accounts (id, name, email, state, parent_id) VALUES (?, ?, ?, ?, ?)`,
		d.Accounts, func(a access.Account) (string, []any) {
			return a.ID, []any{a.ID, a.Name, a.Email, a.State, a.ParentID}
		})
	if err != nil {
		return err
	}
	err = insertAll(ctx, t.tx, "ous", `INSERT INTO ous (id, name, parent_id) VALUES (?, ?, ?)`,
		d.OUs, func(o access.OU) (string, []any) {
			return o.ID, []any{o.ID, o.Name, o.ParentID}
		})
	if err != nil {
		return err
	}
	err = insertAll(ctx, t.tx, "permission_sets", `INSERT INTO permission_sets (arn, name, description, session_duration_ns) VALUES (?, ?, ?, ?)`,
		d.PermissionSets, func(p access.PermissionSet) (string, []any) {
			return p.ARN, []any{p.ARN, p.Name, p.Description, int64(p.SessionDuration)}
		})
	if err != nil {
		return err
	}
	err = insertAll(ctx, t.tx, "users", `INSERT INTO users (id, user_name, display_name, email, active) VALUES (?, ?, ?, ?, ?)`,
		d.Users, func(u access.User) (string, []any) {
			return u.ID, []any{u.ID, u.UserName, u.DisplayName, u.Email, boolArg(u.Active)}
		})
	if err != nil {
		return err
	}
	err = insertAll(ctx, t.tx, "groups", `INSERT INTO groups (id, name) VALUES (?, ?)`,
		d.Groups, func(g access.Group) (string, []any) {
			return g.ID, []any{g.ID, g.Name}
		})
	if err != nil {
		return err
	}
	// In primary key order, the inserts append to the table's B-tree.
	ms := slices.Clone(d.Memberships)
	slices.SortFunc(ms, func(a, b access.Membership) int {
		return cmp.Or(cmp.Compare(a.GroupID, b.GroupID), cmp.Compare(a.UserID, b.UserID))
	})
	err = insertAll(ctx, t.tx, "memberships", `INSERT INTO memberships (group_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING`,
		ms, func(m access.Membership) (string, []any) {
			return m.GroupID + "/" + m.UserID, []any{m.GroupID, m.UserID}
		})
	if err != nil {
		return err
	}
	if _, err := t.tx.ExecContext(ctx, `INSERT INTO directory_sync (id, synced_at) VALUES (1, ?)`, timeArg(syncedAt)); err != nil {
		return fmt.Errorf("sqlite: replace directory: record sync time: %w", err)
	}
	return nil
}

// insertAll inserts every item with one prepared statement.
func insertAll[T any](ctx context.Context, tx *sql.Tx, table, query string, items []T, args func(T) (id string, args []any)) error {
	if len(items) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, query)
	if err != nil {
		return fmt.Errorf("sqlite: replace directory: prepare insert into %s: %w", table, err)
	}
	defer stmt.Close()
	for _, it := range items {
		id, a := args(it)
		if _, err := stmt.ExecContext(ctx, a...); err != nil {
			return wrapWrite(fmt.Sprintf("replace directory: insert into %s %s", table, id), err)
		}
	}
	return nil
}

// DirectorySyncedAt returns when the directory was last replaced, or the
// zero time.
func (t *tx) DirectorySyncedAt(ctx context.Context) (time.Time, error) {
	var at sql.NullInt64
	err := t.tx.QueryRowContext(ctx, `SELECT synced_at FROM directory_sync WHERE id = 1`).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("sqlite: directory synced at: %w", err)
	}
	return timeOf(at), nil
}

const userColumns = `id, user_name, display_name, email, active`

func scanUser(row rowScanner) (access.User, error) {
	var (
		u      access.User
		active int64
	)
	if err := row.Scan(&u.ID, &u.UserName, &u.DisplayName, &u.Email, &active); err != nil {
		return access.User{}, err
	}
	u.Active = active != 0
	return u, nil
}

// FindUserByID returns the user, active or not.
func (t *tx) FindUserByID(ctx context.Context, id string) (access.User, error) {
	u, err := scanUser(t.tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return access.User{}, notFound("find user " + id)
	}
	if err != nil {
		return access.User{}, fmt.Errorf("sqlite: find user %s: %w", id, err)
	}
	return u, nil
}

// FindUserByName returns the user whose user name, or else whose email,
// matches name case-insensitively (ASCII folding), active or not. Several
// users with that email are store.ErrConflict.
func (t *tx) FindUserByName(ctx context.Context, name string) (access.User, error) {
	op := fmt.Sprintf("find user by name %q", name)
	if name == "" {
		return access.User{}, notFound(op)
	}
	var byName, byEmail []access.User
	scan := func(rows *sql.Rows) error {
		var (
			u        access.User
			active   int64
			nameHit  bool
			emailHit bool
		)
		if err := rows.Scan(&u.ID, &u.UserName, &u.DisplayName, &u.Email, &active, &nameHit, &emailHit); err != nil {
			return err
		}
		u.Active = active != 0
		if nameHit {
			byName = append(byName, u)
		} else if emailHit {
			byEmail = append(byEmail, u)
		}
		return nil
	}
	err := t.each(ctx, scan, `SELECT `+userColumns+`, lower(user_name) = lower(?1), lower(email) = lower(?1)
		FROM users WHERE lower(user_name) = lower(?1) OR lower(email) = lower(?1)
		ORDER BY lower(user_name) = lower(?1) DESC, id LIMIT 20`, name)
	if err != nil {
		return access.User{}, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	label := func(u access.User) string { return u.ID }
	if len(byName) > 0 {
		return pickOne(op, "user name", byName, label)
	}
	return pickOne(op, "email", byEmail, label)
}

// pickOne returns the only match: none is store.ErrNotFound, several are
// store.ErrConflict naming the first ones.
func pickOne[T any](op, key string, found []T, label func(T) string) (T, error) {
	var zero T
	switch len(found) {
	case 0:
		return zero, notFound(op)
	case 1:
		return found[0], nil
	}
	labels := make([]string, 0, 3)
	for _, f := range found[:min(len(found), 3)] {
		labels = append(labels, label(f))
	}
	return zero, fmt.Errorf("sqlite: %s: %w: the %s is ambiguous, it matches %s", op, store.ErrConflict, key, strings.Join(labels, ", "))
}

// GroupIDsOfUser returns the ids of the user's groups, sorted.
func (t *tx) GroupIDsOfUser(ctx context.Context, userID string) ([]string, error) {
	ids, err := t.strings(ctx, `SELECT group_id FROM memberships WHERE user_id = ? ORDER BY group_id`, userID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: groups of user %s: %w", userID, err)
	}
	return ids, nil
}

// FindGroupByName returns the group with the name, case-insensitively.
func (t *tx) FindGroupByName(ctx context.Context, name string) (access.Group, error) {
	op := fmt.Sprintf("find group by name %q", name)
	if name == "" {
		return access.Group{}, notFound(op)
	}
	var found []access.Group
	scan := func(rows *sql.Rows) error {
		var g access.Group
		if err := rows.Scan(&g.ID, &g.Name); err != nil {
			return err
		}
		found = append(found, g)
		return nil
	}
	if err := t.each(ctx, scan, `SELECT id, name FROM groups WHERE lower(name) = lower(?) ORDER BY id LIMIT 20`, name); err != nil {
		return access.Group{}, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	return pickOne(op, "group name", found, func(g access.Group) string { return g.ID })
}

// UserIDsInGroups returns the distinct ids of the active users in any of the
// groups, sorted.
func (t *tx) UserIDsInGroups(ctx context.Context, groupIDs []string) ([]string, error) {
	if len(groupIDs) == 0 {
		return nil, nil
	}
	list, err := jsonArray(groupIDs)
	if err != nil {
		return nil, fmt.Errorf("sqlite: users in groups: encode group ids: %w", err)
	}
	ids, err := t.strings(ctx, `SELECT DISTINCT m.user_id FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE u.active = 1 AND m.group_id IN (SELECT value FROM json_each(?)) ORDER BY m.user_id`, list)
	if err != nil {
		return nil, fmt.Errorf("sqlite: users in groups %s: %w", strings.Join(groupIDs, ","), err)
	}
	return ids, nil
}

// strings returns the first column of every row.
func (t *tx) strings(ctx context.Context, query string, args ...any) ([]string, error) {
	var out []string
	err := t.each(ctx, func(rows *sql.Rows) error {
		var s string
		if err := rows.Scan(&s); err != nil {
			return err
		}
		out = append(out, s)
		return nil
	}, query, args...)
	return out, err
}

const accountColumns = `id, name, email, state, parent_id`

func (t *tx) accounts(ctx context.Context, query string, args ...any) ([]access.Account, error) {
	var out []access.Account
	err := t.each(ctx, func(rows *sql.Rows) error {
		var a access.Account
		if err := rows.Scan(&a.ID, &a.Name, &a.Email, &a.State, &a.ParentID); err != nil {
			return err
		}
		out = append(out, a)
		return nil
	}, query, args...)
	return out, err
}

// ListAccounts returns every account, by name then id.
func (t *tx) ListAccounts(ctx context.Context) ([]access.Account, error) {
	as, err := t.accounts(ctx, `SELECT `+accountColumns+` FROM accounts ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list accounts: %w", err)
	}
	return as, nil
}

// FindAccount returns the account with the id or, failing that, the name
// (case-insensitively). A name that several accounts have is
// store.ErrConflict: the caller must use the id.
func (t *tx) FindAccount(ctx context.Context, idOrName string) (access.Account, error) {
	op := fmt.Sprintf("find account %q", idOrName)
	if idOrName == "" {
		return access.Account{}, notFound(op)
	}
	as, err := t.accounts(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = ?`, idOrName)
	if err != nil {
		return access.Account{}, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	if len(as) == 1 {
		return as[0], nil
	}
	as, err = t.accounts(ctx, `SELECT `+accountColumns+` FROM accounts WHERE lower(name) = lower(?) ORDER BY id LIMIT 20`, idOrName)
	if err != nil {
		return access.Account{}, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	return pickOne(op, "account name", as, func(a access.Account) string { return a.ID })
}

const permissionSetColumns = `arn, name, description, session_duration_ns`

func (t *tx) permissionSets(ctx context.Context, query string, args ...any) ([]access.PermissionSet, error) {
	var out []access.PermissionSet
	err := t.each(ctx, func(rows *sql.Rows) error {
		var (
			p   access.PermissionSet
			dur int64
		)
		if err := rows.Scan(&p.ARN, &p.Name, &p.Description, &dur); err != nil {
			return err
		}
		p.SessionDuration = time.Duration(dur)
		out = append(out, p)
		return nil
	}, query, args...)
	return out, err
}

// ListPermissionSets returns every permission set, by name then ARN.
func (t *tx) ListPermissionSets(ctx context.Context) ([]access.PermissionSet, error) {
	ps, err := t.permissionSets(ctx, `SELECT `+permissionSetColumns+` FROM permission_sets ORDER BY name, arn`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list permission sets: %w", err)
	}
	return ps, nil
}

// FindPermissionSet returns the permission set with the ARN or, failing
// that, the name (case-insensitively). A name several have is
// store.ErrConflict.
func (t *tx) FindPermissionSet(ctx context.Context, nameOrARN string) (access.PermissionSet, error) {
	op := fmt.Sprintf("find permission set %q", nameOrARN)
	if nameOrARN == "" {
		return access.PermissionSet{}, notFound(op)
	}
	ps, err := t.permissionSets(ctx, `SELECT `+permissionSetColumns+` FROM permission_sets WHERE arn = ?`, nameOrARN)
	if err != nil {
		return access.PermissionSet{}, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	if len(ps) == 1 {
		return ps[0], nil
	}
	ps, err = t.permissionSets(ctx, `SELECT `+permissionSetColumns+` FROM permission_sets
		WHERE lower(name) = lower(?) ORDER BY arn LIMIT 20`, nameOrARN)
	if err != nil {
		return access.PermissionSet{}, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	return pickOne(op, "permission set name", ps, func(p access.PermissionSet) string { return p.ARN })
}
