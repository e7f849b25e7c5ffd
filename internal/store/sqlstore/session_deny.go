package sqlstore

import (
	"context"
	"time"

	"github.com/elevate/elevate/internal/access"
)

const sessionDenyColumns = `grant_id, request_id, mechanism, account_id, permission_set_arn, permission_set_name, user_id,
	session_duration, created_at, revoked_at, expires_at, in_force_at, removed_at, fallback`

// CreateSessionDeny stores a session-ending statement.
func (t *Tx) CreateSessionDeny(ctx context.Context, d access.SessionDeny) error {
	if _, err := t.c.Exec(ctx, `INSERT INTO session_denies (`+sessionDenyColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		d.GrantID, d.RequestID, string(d.Mechanism), d.AccountID, d.PermissionSetARN, d.PermissionSetName, d.UserID,
		int64(d.SessionDuration), t.ts(d.CreatedAt), t.ts(d.RevokedAt), t.ts(d.ExpiresAt), t.ts(d.InForceAt), t.ts(d.RemovedAt), d.Fallback); err != nil {
		return t.wrap("create session deny of grant "+d.GrantID, err)
	}
	return nil
}

func scanSessionDeny(row Row) (access.SessionDeny, error) {
	var (
		d                                      access.SessionDeny
		mech                                   string
		dur                                    int64
		created, revoked, expires, force, gone dbTime
	)
	if err := row.Scan(&d.GrantID, &d.RequestID, &mech, &d.AccountID, &d.PermissionSetARN, &d.PermissionSetName, &d.UserID,
		&dur, &created, &revoked, &expires, &force, &gone, &d.Fallback); err != nil {
		return access.SessionDeny{}, err
	}
	d.ID = d.GrantID
	d.Mechanism = access.SessionDenyMechanism(mech)
	d.SessionDuration = time.Duration(dur)
	d.CreatedAt, d.RevokedAt, d.ExpiresAt, d.InForceAt, d.RemovedAt = timeOf(created), timeOf(revoked), timeOf(expires), timeOf(force), timeOf(gone)
	return d, nil
}

// FindSessionDeny returns the grant's statement.
func (t *Tx) FindSessionDeny(ctx context.Context, grantID string) (access.SessionDeny, error) {
	d, err := scanSessionDeny(t.c.QueryRow(ctx, `SELECT `+sessionDenyColumns+` FROM session_denies WHERE grant_id = $1`, grantID))
	if isNoRows(err) {
		return access.SessionDeny{}, t.notFound("find session deny of grant " + grantID)
	}
	if err != nil {
		return access.SessionDeny{}, t.wrap("find session deny of grant "+grantID, err)
	}
	return d, nil
}

// UpdateSessionDeny writes the statement's mechanism, fallback and times.
func (t *Tx) UpdateSessionDeny(ctx context.Context, d access.SessionDeny) error {
	return t.update(ctx, "update session deny of grant "+d.GrantID, `UPDATE session_denies
		SET mechanism = $2, fallback = $3, revoked_at = $4, expires_at = $5, in_force_at = $6, removed_at = $7
		WHERE grant_id = $1`, d.GrantID, string(d.Mechanism), d.Fallback, t.ts(d.RevokedAt), t.ts(d.ExpiresAt), t.ts(d.InForceAt), t.ts(d.RemovedAt))
}

// ListSessionDenies returns the statements not yet removed.
func (t *Tx) ListSessionDenies(ctx context.Context, mechanism access.SessionDenyMechanism, permissionSetARN string, revokedOnly bool) ([]access.SessionDeny, error) {
	q := `SELECT ` + sessionDenyColumns + ` FROM session_denies WHERE removed_at IS NULL
		AND ($1 = '' OR mechanism = $1) AND ($2 = '' OR permission_set_arn = $2)`
	if revokedOnly {
		q += ` AND revoked_at IS NOT NULL`
	}
	q += ` ORDER BY revoked_at, created_at, grant_id`
	var out []access.SessionDeny
	err := t.each(ctx, func(rows Rows) error {
		d, err := scanSessionDeny(rows)
		out = append(out, d)
		return err
	}, q, string(mechanism), permissionSetARN)
	if err != nil {
		return nil, t.wrap("list session denies", err)
	}
	return out, nil
}

// AcquireSessionDenyLease takes the lease on target. The upsert changes the
// row only when the lease is free, expired or holder's own, so of two
// replicas at once one gets it.
func (t *Tx) AcquireSessionDenyLease(ctx context.Context, target, holder string, now, until time.Time) (bool, error) {
	if _, err := t.c.Exec(ctx, `INSERT INTO session_deny_leases (target, holder, until) VALUES ($1, $2, $3)
		ON CONFLICT (target) DO UPDATE SET holder = excluded.holder, until = excluded.until
		WHERE session_deny_leases.holder = excluded.holder OR session_deny_leases.until <= $4`,
		target, holder, t.ts(until), t.ts(now)); err != nil {
		return false, t.wrap("acquire session deny lease "+target, err)
	}
	var got string
	if err := t.scanOne("acquire session deny lease "+target, t.c.QueryRow(ctx, `SELECT holder FROM session_deny_leases WHERE target = $1`, target), &got); err != nil {
		return false, err
	}
	return got == holder, nil
}

// ReleaseSessionDenyLease gives holder's lease back.
func (t *Tx) ReleaseSessionDenyLease(ctx context.Context, target, holder string) error {
	if _, err := t.c.Exec(ctx, `DELETE FROM session_deny_leases WHERE target = $1 AND holder = $2`, target, holder); err != nil {
		return t.wrap("release session deny lease "+target, err)
	}
	return nil
}
