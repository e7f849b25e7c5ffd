package sqlstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// ReplaceDirectory deletes the stored directory and inserts d in its place
// (the engine's bulk insert, one per table), then records syncedAt. Readers
// keep seeing the last snapshot until the transaction commits. A membership
// listed twice is stored once; any other id listed twice is
// store.ErrConflict.
func (t *Tx) ReplaceDirectory(ctx context.Context, d access.Directory, syncedAt time.Time) error {
	if err := t.checkUnique(d); err != nil {
		return err
	}
	// Without the lock, a second replace at READ COMMITTED (PostgreSQL)
	// would miss in its DELETE the rows the first inserted, and its inserts
	// would fail.
	if err := t.lockDirectory(ctx); err != nil {
		return t.wrap("replace directory: lock", err)
	}
	for _, table := range []string{"accounts", "ous", "permission_sets", "users", "groups", "memberships", "directory_sync"} {
		// The table names are constants: only values are ever parameters.
		if _, err := t.c.Exec(ctx, `DELETE FROM `+table); err != nil {
			return t.wrap("replace directory: delete "+table, err)
		}
	}
	// Bulk inserts have no ON CONFLICT: drop repeated memberships first. In
	// primary key order, the rows also append to the index.
	ms := slices.Clone(d.Memberships)
	slices.SortFunc(ms, func(a, b access.Membership) int {
		return cmp.Or(cmp.Compare(a.GroupID, b.GroupID), cmp.Compare(a.UserID, b.UserID))
	})
	d.Memberships = slices.Compact(ms)
	rows := stageRows(d)
	for _, st := range stageTables {
		if len(rows[st.kind]) == 0 {
			continue
		}
		if err := t.c.CopyRows(ctx, st.table, append(slices.Clone(st.keys), st.cols...), rows[st.kind]); err != nil {
			return t.wrap("replace directory: insert into "+st.table, err)
		}
	}
	if _, err := t.c.Exec(ctx, `INSERT INTO directory_sync (id, synced_at) VALUES (1, $1)`, t.ts(syncedAt)); err != nil {
		return t.wrap("replace directory: record sync time", err)
	}
	return nil
}

// checkUnique returns store.ErrConflict naming the first id that d lists
// twice (memberships excepted), before anything is written.
func (t *Tx) checkUnique(d access.Directory) error {
	for _, dup := range []struct{ table, id string }{
		{"accounts", duplicate(d.Accounts, func(a access.Account) string { return a.ID })},
		{"ous", duplicate(d.OUs, func(o access.OU) string { return o.ID })},
		{"permission_sets", duplicate(d.PermissionSets, func(p access.PermissionSet) string { return p.ARN })},
		{"users", duplicate(d.Users, func(u access.User) string { return u.ID })},
		{"groups", duplicate(d.Groups, func(g access.Group) string { return g.ID })},
	} {
		if dup.id != "" {
			return t.errorf("replace directory: insert into %s %s: %w: the snapshot lists it twice", dup.table, dup.id, store.ErrConflict)
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

// DirectorySyncedAt returns when the directory was last replaced, or the
// zero time.
func (t *Tx) DirectorySyncedAt(ctx context.Context) (time.Time, error) {
	var at dbTime
	err := t.c.QueryRow(ctx, `SELECT synced_at FROM directory_sync WHERE id = 1`).Scan(&at)
	if isNoRows(err) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, t.wrap("directory synced at", err)
	}
	return timeOf(at), nil
}

const userColumns = `id, user_name, display_name, email, active, attributes`

func scanUser(row Row) (access.User, error) {
	var u access.User
	var attrs string
	if err := row.Scan(&u.ID, &u.UserName, &u.DisplayName, &u.Email, &u.Active, &attrs); err != nil {
		return access.User{}, err
	}
	u.Attributes = decodeAttributes(attrs)
	return u, nil
}

// FindUserByID returns the user, active or not.
func (t *Tx) FindUserByID(ctx context.Context, id string) (access.User, error) {
	u, err := scanUser(t.c.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
	if isNoRows(err) {
		return access.User{}, t.notFound("find user " + id)
	}
	if err != nil {
		return access.User{}, t.wrap("find user "+id, err)
	}
	return u, nil
}

// FindUserByName returns the user whose user name, or else whose email,
// matches name case-insensitively (ASCII folding), active or not. Several
// users with that email are store.ErrConflict.
func (t *Tx) FindUserByName(ctx context.Context, name string) (access.User, error) {
	op := fmt.Sprintf("find user by name %q", name)
	if name == "" {
		return access.User{}, t.notFound(op)
	}
	var byName, byEmail []access.User
	scan := func(rows Rows) error {
		var (
			u                 access.User
			attrs             string
			nameHit, emailHit bool
		)
		if err := rows.Scan(&u.ID, &u.UserName, &u.DisplayName, &u.Email, &u.Active, &attrs, &nameHit, &emailHit); err != nil {
			return err
		}
		u.Attributes = decodeAttributes(attrs)
		if nameHit {
			byName = append(byName, u)
		} else if emailHit {
			byEmail = append(byEmail, u)
		}
		return nil
	}
	p := t.d.Lower("$1")
	err := t.each(ctx, scan, `SELECT `+userColumns+`, lower(user_name) = `+p+`, lower(email) = `+p+`
		FROM users WHERE lower(user_name) = `+p+` OR lower(email) = `+p+`
		ORDER BY lower(user_name) = `+p+` DESC, id LIMIT 20`, name)
	if err != nil {
		return access.User{}, t.wrap(op, err)
	}
	label := func(u access.User) string { return u.ID }
	if len(byName) > 0 {
		return pickOne(t, op, "user name", byName, label)
	}
	return pickOne(t, op, "email", byEmail, label)
}

// pickOne returns the only match: none is store.ErrNotFound, several are
// store.ErrConflict naming the first ones.
func pickOne[T any](t *Tx, op, key string, found []T, label func(T) string) (T, error) {
	var zero T
	switch len(found) {
	case 0:
		return zero, t.notFound(op)
	case 1:
		return found[0], nil
	}
	labels := make([]string, 0, 3)
	for _, f := range found[:min(len(found), 3)] {
		labels = append(labels, label(f))
	}
	return zero, t.errorf("%s: %w: the %s is ambiguous, it matches %s", op, store.ErrConflict, key, strings.Join(labels, ", "))
}

// GroupIDsOfUser returns the ids of the user's groups, sorted.
func (t *Tx) GroupIDsOfUser(ctx context.Context, userID string) ([]string, error) {
	ids, err := t.strings(ctx, `SELECT group_id FROM memberships WHERE user_id = $1 ORDER BY group_id`, userID)
	if err != nil {
		return nil, t.wrap("groups of user "+userID, err)
	}
	return ids, nil
}

// GroupsOfUser returns the groups the user is a direct member of, ordered
// by name (then id), for display.
func (t *Tx) GroupsOfUser(ctx context.Context, userID string) ([]access.Group, error) {
	var out []access.Group
	scan := func(rows Rows) error {
		var g access.Group
		if err := rows.Scan(&g.ID, &g.Name); err != nil {
			return err
		}
		out = append(out, g)
		return nil
	}
	if err := t.each(ctx, scan, `SELECT g.id, g.name FROM memberships m JOIN groups g ON g.id = m.group_id
		WHERE m.user_id = $1 ORDER BY g.name, g.id`, userID); err != nil {
		return nil, t.wrap("groups of user "+userID, err)
	}
	return out, nil
}

// FindGroupByName returns the group with the name, case-insensitively.
func (t *Tx) FindGroupByName(ctx context.Context, name string) (access.Group, error) {
	op := fmt.Sprintf("find group by name %q", name)
	if name == "" {
		return access.Group{}, t.notFound(op)
	}
	var found []access.Group
	scan := func(rows Rows) error {
		var g access.Group
		if err := rows.Scan(&g.ID, &g.Name); err != nil {
			return err
		}
		found = append(found, g)
		return nil
	}
	if err := t.each(ctx, scan, `SELECT id, name FROM groups WHERE lower(name) = `+t.d.Lower("$1")+` ORDER BY id LIMIT 20`, name); err != nil {
		return access.Group{}, t.wrap(op, err)
	}
	return pickOne(t, op, "group name", found, func(g access.Group) string { return g.ID })
}

// UserIDsInGroups returns the distinct ids of the active users in any of the
// groups, sorted.
func (t *Tx) UserIDsInGroups(ctx context.Context, groupIDs []string) ([]string, error) {
	if len(groupIDs) == 0 {
		return nil, nil
	}
	ids, err := t.strings(ctx, `SELECT DISTINCT m.user_id FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE u.active AND `+t.d.InList("m.group_id", "$1")+` ORDER BY m.user_id`, t.list(groupIDs))
	if err != nil {
		return nil, t.wrap("users in groups "+strings.Join(groupIDs, ","), err)
	}
	return ids, nil
}

const accountColumns = `id, name, email, state, parent_id, limit_reason`

func (t *Tx) accounts(ctx context.Context, query string, args ...any) ([]access.Account, error) {
	return collect(ctx, t, func(row Row) (a access.Account, err error) {
		return a, row.Scan(&a.ID, &a.Name, &a.Email, &a.State, &a.ParentID, &a.Limit)
	}, query, args...)
}

// ListAccounts returns every account, by name then id (byte order).
func (t *Tx) ListAccounts(ctx context.Context) ([]access.Account, error) {
	as, err := t.accounts(ctx, `SELECT `+accountColumns+` FROM accounts ORDER BY name, id`)
	if err != nil {
		return nil, t.wrap("list accounts", err)
	}
	return as, nil
}

// FindAccount returns the account with the id or, failing that, the name
// (case-insensitively). A name that several accounts have is
// store.ErrConflict: the caller must use the id.
func (t *Tx) FindAccount(ctx context.Context, idOrName string) (access.Account, error) {
	return findByKeyOrName(ctx, t, "account", idOrName, `SELECT `+accountColumns+` FROM accounts WHERE `, "id", t.accounts,
		func(a access.Account) string { return a.ID })
}

// findByKeyOrName finds the row whose key column is ref or, failing that,
// whose name is ref (case-insensitively); a name several rows share is
// store.ErrConflict, naming up to three of their keys. selectWhere is the
// query up to its WHERE, load runs it.
func findByKeyOrName[T any](ctx context.Context, t *Tx, kind, ref, selectWhere, key string,
	load func(context.Context, string, ...any) ([]T, error), keyOf func(T) string) (T, error) {
	var zero T
	op := fmt.Sprintf("find %s %q", kind, ref)
	if ref == "" {
		return zero, t.notFound(op)
	}
	found, err := load(ctx, selectWhere+key+` = $1`, ref)
	if err != nil {
		return zero, t.wrap(op, err)
	}
	if len(found) == 1 {
		return found[0], nil
	}
	found, err = load(ctx, selectWhere+`lower(name) = `+t.d.Lower("$1")+` ORDER BY `+key+` LIMIT 20`, ref)
	if err != nil {
		return zero, t.wrap(op, err)
	}
	return pickOne(t, op, kind+" name", found, keyOf)
}

const permissionSetColumns = `arn, name, description, session_duration_ns, limit_reason`

func (t *Tx) permissionSets(ctx context.Context, query string, args ...any) ([]access.PermissionSet, error) {
	return collect(ctx, t, func(row Row) (p access.PermissionSet, err error) {
		var dur int64
		err = row.Scan(&p.ARN, &p.Name, &p.Description, &dur, &p.Limit)
		p.SessionDuration = time.Duration(dur)
		return p, err
	}, query, args...)
}

// ListPermissionSets returns every permission set, by name then ARN (byte
// order).
func (t *Tx) ListPermissionSets(ctx context.Context) ([]access.PermissionSet, error) {
	ps, err := t.permissionSets(ctx, `SELECT `+permissionSetColumns+` FROM permission_sets ORDER BY name, arn`)
	if err != nil {
		return nil, t.wrap("list permission sets", err)
	}
	return ps, nil
}

// FindPermissionSet returns the permission set with the ARN or, failing
// that, the name (case-insensitively). A name several have is
// store.ErrConflict.
func (t *Tx) FindPermissionSet(ctx context.Context, nameOrARN string) (access.PermissionSet, error) {
	return findByKeyOrName(ctx, t, "permission set", nameOrARN, `SELECT `+permissionSetColumns+` FROM permission_sets WHERE `, "arn",
		t.permissionSets, func(p access.PermissionSet) string { return p.ARN })
}
