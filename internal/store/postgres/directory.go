package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// directoryLockKey is the transaction-level advisory lock that serializes
// directory replacements: a second replace waits for the first to commit,
// then deletes what it stored (at READ COMMITTED, without the lock, its
// DELETE would miss the rows the first inserted and its COPY would fail).
const directoryLockKey int64 = 0x656c657661746502 // "elevate" + 2

// ReplaceDirectory deletes the stored directory and copies d in its place
// (COPY, one per table), then records syncedAt. Readers keep seeing the last
// snapshot until the transaction commits. A membership listed twice is stored
// once; any other id listed twice is store.ErrConflict.
func (t *tx) ReplaceDirectory(ctx context.Context, d access.Directory, syncedAt time.Time) error {
	if err := checkUnique(d); err != nil {
		return err
	}
	if _, err := t.tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, directoryLockKey); err != nil {
		return wrap("replace directory: lock", err)
	}
	for _, table := range []string{"accounts", "ous", "permission_sets", "users", "groups", "memberships", "directory_sync"} {
		// The table names are constants: only values are ever parameters.
		if _, err := t.tx.Exec(ctx, `DELETE FROM `+table); err != nil {
			return wrap("replace directory: delete "+table, err)
		}
	}
	err := copyAll(ctx, t.tx, "accounts", []string{"id", "name", "email", "state", "parent_id"},
		d.Accounts, func(a access.Account) []any {
			return []any{a.ID, a.Name, a.Email, a.State, a.ParentID}
		})
	if err != nil {
		return err
	}
	err = copyAll(ctx, t.tx, "ous", []string{"id", "name", "parent_id"},
		d.OUs, func(o access.OU) []any {
			return []any{o.ID, o.Name, o.ParentID}
		})
	if err != nil {
		return err
	}
	err = copyAll(ctx, t.tx, "permission_sets", []string{"arn", "name", "description", "session_duration_ns"},
		d.PermissionSets, func(p access.PermissionSet) []any {
			return []any{p.ARN, p.Name, p.Description, int64(p.SessionDuration)}
		})
	if err != nil {
		return err
	}
	err = copyAll(ctx, t.tx, "users", []string{"id", "user_name", "display_name", "email", "active"},
		d.Users, func(u access.User) []any {
			return []any{u.ID, u.UserName, u.DisplayName, u.Email, u.Active}
		})
	if err != nil {
		return err
	}
	err = copyAll(ctx, t.tx, "groups", []string{"id", "name"},
		d.Groups, func(g access.Group) []any {
			return []any{g.ID, g.Name}
		})
	if err != nil {
		return err
	}
	// COPY has no ON CONFLICT: drop repeated memberships first. In primary
	// key order, the rows also append to the index.
	ms := slices.Clone(d.Memberships)
	slices.SortFunc(ms, func(a, b access.Membership) int {
		return cmp.Or(cmp.Compare(a.GroupID, b.GroupID), cmp.Compare(a.UserID, b.UserID))
	})
	ms = slices.Compact(ms)
	err = copyAll(ctx, t.tx, "memberships", []string{"group_id", "user_id"},
		ms, func(m access.Membership) []any {
			return []any{m.GroupID, m.UserID}
		})
	if err != nil {
		return err
	}
	if _, err := t.tx.Exec(ctx, `INSERT INTO directory_sync (id, synced_at) VALUES (1, $1)`, timeArg(syncedAt)); err != nil {
		return wrap("replace directory: record sync time", err)
	}
	return nil
}

// checkUnique returns store.ErrConflict naming the first id that d lists
// twice (memberships excepted), before anything is written.
func checkUnique(d access.Directory) error {
	for _, dup := range []struct{ table, id string }{
		{"accounts", duplicate(d.Accounts, func(a access.Account) string { return a.ID })},
		{"ous", duplicate(d.OUs, func(o access.OU) string { return o.ID })},
		{"permission_sets", duplicate(d.PermissionSets, func(p access.PermissionSet) string { return p.ARN })},
		{"users", duplicate(d.Users, func(u access.User) string { return u.ID })},
		{"groups", duplicate(d.Groups, func(g access.Group) string { return g.ID })},
	} {
		if dup.id != "" {
			return fmt.Errorf("postgres: replace directory: insert into %s %s: %w: the snapshot lists it twice", dup.table, dup.id, store.ErrConflict)
		}
	}
	return nil
}

// duplicate returns the first id that items repeat, or "".
func duplicate[T any](items []T, id func(T) string) string {
	seen := make(map[string]struct{}, len(items))
	for _, it := range items {
		k := id(it)
		if _, ok := seen[k]; ok {
			return k
		}
		seen[k] = struct{}{}
	}
	return ""
}

// copyAll copies every item into table with COPY.
func copyAll[T any](ctx context.Context, pgTx pgx.Tx, table string, columns []string, items []T, row func(T) []any) error {
	if len(items) == 0 {
		return nil
	}
	n, err := pgTx.CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromSlice(len(items), func(i int) ([]any, error) {
		return row(items[i]), nil
	}))
	if err != nil {
		return wrap("replace directory: copy into "+table, err)
	}
	if n != int64(len(items)) {
		return fmt.Errorf("postgres: replace directory: copy into %s: copied %d rows of %d", table, n, len(items))
	}
	return nil
}

// DirectorySyncedAt returns when the directory was last replaced, or the
// zero time.
func (t *tx) DirectorySyncedAt(ctx context.Context) (time.Time, error) {
	var at pgtype.Timestamptz
	err := t.tx.QueryRow(ctx, `SELECT synced_at FROM directory_sync WHERE id = 1`).Scan(&at)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, wrap("directory synced at", err)
	}
	return timeOf(at), nil
}

const userColumns = `id, user_name, display_name, email, active`

func scanUser(row pgx.Row) (access.User, error) {
	var u access.User
	if err := row.Scan(&u.ID, &u.UserName, &u.DisplayName, &u.Email, &u.Active); err != nil {
		return access.User{}, err
	}
	return u, nil
}

// FindUserByID returns the user, active or not.
func (t *tx) FindUserByID(ctx context.Context, id string) (access.User, error) {
	u, err := scanUser(t.tx.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return access.User{}, notFound("find user " + id)
	}
	if err != nil {
		return access.User{}, wrap("find user "+id, err)
	}
	return u, nil
}

// lowerArg is the SQL of a parameter folded as the columns are: the columns'
// "C" collation makes lower() fold ASCII only, as SQLite's.
func lowerArg(n int) string { return fmt.Sprintf(`lower($%d::text COLLATE "C")`, n) }

// FindUserByName returns the user whose user name, or else whose email,
// matches name case-insensitively (ASCII folding), active or not. Several
// users with that email are store.ErrConflict.
func (t *tx) FindUserByName(ctx context.Context, name string) (access.User, error) {
	op := fmt.Sprintf("find user by name %q", name)
	if name == "" {
		return access.User{}, notFound(op)
	}
	var byName, byEmail []access.User
	scan := func(rows pgx.Rows) error {
		var (
			u                 access.User
			nameHit, emailHit bool
		)
		if err := rows.Scan(&u.ID, &u.UserName, &u.DisplayName, &u.Email, &u.Active, &nameHit, &emailHit); err != nil {
			return err
		}
		if nameHit {
			byName = append(byName, u)
		} else if emailHit {
			byEmail = append(byEmail, u)
		}
		return nil
	}
	p := lowerArg(1)
	err := t.each(ctx, scan, `SELECT `+userColumns+`, lower(user_name) = `+p+`, lower(email) = `+p+`
		FROM users WHERE lower(user_name) = `+p+` OR lower(email) = `+p+`
		ORDER BY lower(user_name) = `+p+` DESC, id LIMIT 20`, name)
	if err != nil {
		return access.User{}, wrap(op, err)
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
	return zero, fmt.Errorf("postgres: %s: %w: the %s is ambiguous, it matches %s", op, store.ErrConflict, key, strings.Join(labels, ", "))
}

// GroupIDsOfUser returns the ids of the user's groups, sorted.
func (t *tx) GroupIDsOfUser(ctx context.Context, userID string) ([]string, error) {
	ids, err := t.strings(ctx, `SELECT group_id FROM memberships WHERE user_id = $1 ORDER BY group_id`, userID)
	if err != nil {
		return nil, wrap("groups of user "+userID, err)
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
	scan := func(rows pgx.Rows) error {
		var g access.Group
		if err := rows.Scan(&g.ID, &g.Name); err != nil {
			return err
		}
		found = append(found, g)
		return nil
	}
	if err := t.each(ctx, scan, `SELECT id, name FROM groups WHERE lower(name) = `+lowerArg(1)+` ORDER BY id LIMIT 20`, name); err != nil {
		return access.Group{}, wrap(op, err)
	}
	return pickOne(op, "group name", found, func(g access.Group) string { return g.ID })
}

// UserIDsInGroups returns the distinct ids of the active users in any of the
// groups, sorted.
func (t *tx) UserIDsInGroups(ctx context.Context, groupIDs []string) ([]string, error) {
	if len(groupIDs) == 0 {
		return nil, nil
	}
	ids, err := t.strings(ctx, `SELECT DISTINCT m.user_id FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE u.active AND m.group_id = ANY($1::text[]) ORDER BY m.user_id`, groupIDs)
	if err != nil {
		return nil, wrap("users in groups "+strings.Join(groupIDs, ","), err)
	}
	return ids, nil
}

const accountColumns = `id, name, email, state, parent_id`

func (t *tx) accounts(ctx context.Context, query string, args ...any) ([]access.Account, error) {
	var out []access.Account
	err := t.each(ctx, func(rows pgx.Rows) error {
		var a access.Account
		if err := rows.Scan(&a.ID, &a.Name, &a.Email, &a.State, &a.ParentID); err != nil {
			return err
		}
		out = append(out, a)
		return nil
	}, query, args...)
	return out, err
}

// ListAccounts returns every account, by name then id (byte order).
func (t *tx) ListAccounts(ctx context.Context) ([]access.Account, error) {
	as, err := t.accounts(ctx, `SELECT `+accountColumns+` FROM accounts ORDER BY name, id`)
	if err != nil {
		return nil, wrap("list accounts", err)
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
	as, err := t.accounts(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = $1`, idOrName)
	if err != nil {
		return access.Account{}, wrap(op, err)
	}
	if len(as) == 1 {
		return as[0], nil
	}
	as, err = t.accounts(ctx, `SELECT `+accountColumns+` FROM accounts WHERE lower(name) = `+lowerArg(1)+` ORDER BY id LIMIT 20`, idOrName)
	if err != nil {
		return access.Account{}, wrap(op, err)
	}
	return pickOne(op, "account name", as, func(a access.Account) string { return a.ID })
}

const permissionSetColumns = `arn, name, description, session_duration_ns`

func (t *tx) permissionSets(ctx context.Context, query string, args ...any) ([]access.PermissionSet, error) {
	var out []access.PermissionSet
	err := t.each(ctx, func(rows pgx.Rows) error {
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

// ListPermissionSets returns every permission set, by name then ARN (byte
// order).
func (t *tx) ListPermissionSets(ctx context.Context) ([]access.PermissionSet, error) {
	ps, err := t.permissionSets(ctx, `SELECT `+permissionSetColumns+` FROM permission_sets ORDER BY name, arn`)
	if err != nil {
		return nil, wrap("list permission sets", err)
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
	ps, err := t.permissionSets(ctx, `SELECT `+permissionSetColumns+` FROM permission_sets WHERE arn = $1`, nameOrARN)
	if err != nil {
		return access.PermissionSet{}, wrap(op, err)
	}
	if len(ps) == 1 {
		return ps[0], nil
	}
	ps, err = t.permissionSets(ctx, `SELECT `+permissionSetColumns+` FROM permission_sets
		WHERE lower(name) = `+lowerArg(1)+` ORDER BY arn LIMIT 20`, nameOrARN)
	if err != nil {
		return access.PermissionSet{}, wrap(op, err)
	}
	return pickOne(op, "permission set name", ps, func(p access.PermissionSet) string { return p.ARN })
}
