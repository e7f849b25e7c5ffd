package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// Request list limits.
const (
	defaultListLimit = 100
	maxListLimit     = 1000
)

// requestColumns are the columns of requests, in the order of scanRequest and
// requestArgs (which leaves out version).
const requestColumns = `id, requester_id, requester_name, permission_set_arn, permission_set_name,
	duration_ns, start_at, activated_at, ends_at, expires_at, justification, ticket, status, reason,
	rule, approvals_required, end_requested_at, end_requested_by, end_comment, revocation_failed,
	extensions, created_at, updated_at, version`

// requestArgs returns r's column values in requestColumns order, version
// excluded.
func (t *Tx) requestArgs(r *access.Request) ([]any, error) {
	ext, err := store.EncodeExtensions(r.Extensions)
	if err != nil {
		return nil, err
	}
	return []any{
		r.ID, r.RequesterID, r.RequesterName, r.PermissionSetARN, r.PermissionSetName,
		int64(r.Duration), t.ts(r.StartAt), t.ts(r.ActivatedAt), t.ts(r.EndsAt), t.ts(r.ExpiresAt),
		r.Justification, r.Ticket, string(r.Status), r.Reason,
		r.Rule, r.ApprovalsRequired, t.ts(r.EndRequestedAt), r.EndRequestedBy, r.EndComment, r.RevocationFailed,
		ext, t.ts(r.CreatedAt), t.ts(r.UpdatedAt),
	}, nil
}

func scanRequest(row Row) (*access.Request, error) {
	var (
		r                                       access.Request
		duration                                int64
		status                                  string
		startAt, activatedAt, endsAt, expiresAt dbTime
		endRequestedAt, createdAt, updatedAt    dbTime
		extensions                              string
	)
	err := row.Scan(&r.ID, &r.RequesterID, &r.RequesterName, &r.PermissionSetARN, &r.PermissionSetName,
		&duration, &startAt, &activatedAt, &endsAt, &expiresAt, &r.Justification, &r.Ticket, &status, &r.Reason,
		&r.Rule, &r.ApprovalsRequired, &endRequestedAt, &r.EndRequestedBy, &r.EndComment, &r.RevocationFailed,
		&extensions, &createdAt, &updatedAt, &r.Version)
	if err != nil {
		return nil, err
	}
	if r.Extensions, err = store.DecodeExtensions(extensions); err != nil {
		return nil, err
	}
	r.Duration = time.Duration(duration)
	r.Status = access.Status(status)
	r.StartAt, r.ActivatedAt, r.EndsAt, r.ExpiresAt = timeOf(startAt), timeOf(activatedAt), timeOf(endsAt), timeOf(expiresAt)
	r.EndRequestedAt, r.CreatedAt, r.UpdatedAt = timeOf(endRequestedAt), timeOf(createdAt), timeOf(updatedAt)
	return &r, nil
}

const insertGrant = `INSERT INTO grants (id, request_id, position, account_id, status,
	create_request_id, delete_request_id, error, activated_at, revoked_at, origin)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`

// CreateRequest inserts r with its approvers, approvals and grants, and sets
// r.Version to 1. A taken request or grant id is store.ErrConflict.
func (t *Tx) CreateRequest(ctx context.Context, r *access.Request) error {
	args, err := t.requestArgs(r)
	if err != nil {
		return t.errorf("create request %s: %w", r.ID, err)
	}
	args = append(args, 1)
	if _, err := t.c.Exec(ctx, `INSERT INTO requests (`+requestColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)`,
		args...); err != nil {
		return t.wrap("create request "+r.ID, err)
	}
	if err := t.insertApprovers(ctx, r); err != nil {
		return err
	}
	if err := t.insertApprovals(ctx, r); err != nil {
		return err
	}
	for i, g := range r.Grants {
		if _, err := t.c.Exec(ctx, insertGrant,
			g.ID, r.ID, i, g.AccountID, string(g.Status), g.CreateRequestID, g.DeleteRequestID, g.Error,
			t.ts(g.ActivatedAt), t.ts(g.RevokedAt), string(g.Origin)); err != nil {
			return t.wrap(fmt.Sprintf("create request %s: insert grant %s", r.ID, g.ID), err)
		}
	}
	r.Version = 1
	return nil
}

func (t *Tx) insertApprovers(ctx context.Context, r *access.Request) error {
	for i, id := range r.Approvers {
		if _, err := t.c.Exec(ctx, `INSERT INTO request_approvers (request_id, position, user_id) VALUES ($1, $2, $3)`,
			r.ID, i, id); err != nil {
			return t.wrap(fmt.Sprintf("write request %s: insert approver %s", r.ID, id), err)
		}
	}
	return nil
}

// insertApprovals inserts the approvals not yet stored: an approver decides
// once, so (request, user) identifies an approval.
func (t *Tx) insertApprovals(ctx context.Context, r *access.Request) error {
	for _, a := range r.Approvals {
		if _, err := t.c.Exec(ctx, `INSERT INTO approvals (request_id, user_id, user_name, verdict, comment, at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (request_id, user_id) DO NOTHING`,
			r.ID, a.UserID, a.UserName, string(a.Verdict), a.Comment, t.ts(a.At)); err != nil {
			return t.wrap(fmt.Sprintf("write request %s: insert approval by %s", r.ID, a.UserID), err)
		}
	}
	return nil
}

// UpdateRequest writes r if the stored version is still r.Version, then bumps
// r.Version. Grants are updated by id (a new grant id is inserted), approvals
// not yet stored are inserted, and the approvers are replaced.
//
// On PostgreSQL (READ COMMITTED) a concurrent update of the same request
// waits for the first to commit, then finds the version changed:
// store.ErrConflict.
func (t *Tx) UpdateRequest(ctx context.Context, r *access.Request) error {
	args, err := t.requestArgs(r)
	if err != nil {
		return t.errorf("update request %s: %w", r.ID, err)
	}
	args = append(args[1:], r.ID, r.Version)
	n, err := t.c.Exec(ctx, `UPDATE requests SET
		requester_id = $1, requester_name = $2, permission_set_arn = $3, permission_set_name = $4,
		duration_ns = $5, start_at = $6, activated_at = $7, ends_at = $8, expires_at = $9, justification = $10,
		ticket = $11, status = $12, reason = $13, rule = $14, approvals_required = $15, end_requested_at = $16,
		end_requested_by = $17, end_comment = $18, revocation_failed = $19, extensions = $20, created_at = $21,
		updated_at = $22, version = version + 1
		WHERE id = $23 AND version = $24`, args...)
	if err != nil {
		return t.wrap("update request "+r.ID, err)
	}
	if n == 0 {
		var stored int
		err := t.c.QueryRow(ctx, `SELECT version FROM requests WHERE id = $1`, r.ID).Scan(&stored)
		switch {
		case isNoRows(err):
			return t.notFound("update request " + r.ID)
		case err != nil:
			return t.wrap(fmt.Sprintf("update request %s: read version", r.ID), err)
		}
		return t.errorf("update request %s: %w: stored version is %d, the update is based on %d",
			r.ID, store.ErrConflict, stored, r.Version)
	}

	for _, g := range r.Grants {
		n, err := t.c.Exec(ctx, `UPDATE grants SET account_id = $1, status = $2, create_request_id = $3,
			delete_request_id = $4, error = $5, activated_at = $6, revoked_at = $7, origin = $8
			WHERE id = $9 AND request_id = $10`,
			g.AccountID, string(g.Status), g.CreateRequestID, g.DeleteRequestID, g.Error,
			t.ts(g.ActivatedAt), t.ts(g.RevokedAt), string(g.Origin), g.ID, r.ID)
		if err != nil {
			return t.wrap(fmt.Sprintf("update request %s: update grant %s", r.ID, g.ID), err)
		}
		if n > 0 {
			continue
		}
		if _, err := t.c.Exec(ctx, `INSERT INTO grants (id, request_id, position, account_id, status,
			create_request_id, delete_request_id, error, activated_at, revoked_at, origin)
			VALUES ($1, $2, (SELECT coalesce(max(position), -1) + 1 FROM grants WHERE request_id = $2), $3, $4, $5, $6, $7, $8, $9, $10)`,
			g.ID, r.ID, g.AccountID, string(g.Status), g.CreateRequestID, g.DeleteRequestID, g.Error,
			t.ts(g.ActivatedAt), t.ts(g.RevokedAt), string(g.Origin)); err != nil {
			return t.wrap(fmt.Sprintf("update request %s: insert grant %s", r.ID, g.ID), err)
		}
	}
	if err := t.insertApprovals(ctx, r); err != nil {
		return err
	}
	if _, err := t.c.Exec(ctx, `DELETE FROM request_approvers WHERE request_id = $1`, r.ID); err != nil {
		return t.wrap(fmt.Sprintf("update request %s: delete approvers", r.ID), err)
	}
	if err := t.insertApprovers(ctx, r); err != nil {
		return err
	}
	r.Version++
	return nil
}

// FindRequestByID returns the request with its grants, approvals and approvers.
func (t *Tx) FindRequestByID(ctx context.Context, id string) (*access.Request, error) {
	r, err := scanRequest(t.c.QueryRow(ctx, `SELECT `+requestColumns+` FROM requests WHERE id = $1`, id))
	if isNoRows(err) {
		return nil, t.notFound("find request " + id)
	}
	if err != nil {
		return nil, t.wrap("find request "+id, err)
	}
	if err := t.loadChildren(ctx, []*access.Request{r}); err != nil {
		return nil, t.wrap("find request "+id, err)
	}
	return r, nil
}

// FindRequestByGrantID returns the request that owns the grant.
func (t *Tx) FindRequestByGrantID(ctx context.Context, grantID string) (*access.Request, error) {
	var id string
	err := t.c.QueryRow(ctx, `SELECT request_id FROM grants WHERE id = $1`, grantID).Scan(&id)
	if isNoRows(err) {
		return nil, t.notFound("find request by grant " + grantID)
	}
	if err != nil {
		return nil, t.wrap("find request by grant "+grantID, err)
	}
	r, err := t.FindRequestByID(ctx, id)
	if err != nil {
		return nil, t.errorf("find request by grant %s: %w", grantID, err)
	}
	return r, nil
}

// ListRequests returns the requests matching f, newest created first (a
// request without a creation time last), then by id descending, with their
// grants, approvals and approvers: the first page of PageRequests.
func (t *Tx) ListRequests(ctx context.Context, f access.RequestFilter) ([]*access.Request, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = defaultListLimit
	}
	return t.PageRequests(ctx, access.RequestQuery{Statuses: f.Statuses, RequesterID: f.RequesterID, ApproverID: f.ApproverID,
		InvolvingUserID: f.InvolvingUserID, Limit: min(limit, maxListLimit)})
}

// loadChildren loads the grants (by position), approvals (by time, then
// insertion) and approvers (in their order) of rs, one query each.
func (t *Tx) loadChildren(ctx context.Context, rs []*access.Request) error {
	if len(rs) == 0 {
		return nil
	}
	byID := make(map[string]*access.Request, len(rs))
	ids := make([]string, len(rs))
	for i, r := range rs {
		byID[r.ID] = r
		ids[i] = r.ID
	}

	list := t.list(ids)
	grant := func(rows Rows) error {
		var (
			reqID, status, origin         string
			g                             access.Grant
			activatedAt, revokedAt, drift dbTime
		)
		if err := rows.Scan(&reqID, &g.ID, &g.AccountID, &status, &g.CreateRequestID, &g.DeleteRequestID, &g.Error,
			&activatedAt, &revokedAt, &origin, &drift); err != nil {
			return err
		}
		g.DriftMissingSince = timeOf(drift)
		g.Status, g.ActivatedAt, g.RevokedAt = access.GrantStatus(status), timeOf(activatedAt), timeOf(revokedAt)
		g.Origin = access.Origin(origin)
		r := byID[reqID]
		r.Grants = append(r.Grants, g)
		return nil
	}
	if err := t.each(ctx, grant, `SELECT request_id, id, account_id, status, create_request_id, delete_request_id,
		error, activated_at, revoked_at, origin, drift_missing_since FROM grants WHERE `+t.d.InList("request_id", "$1")+`
		ORDER BY request_id, position`, list); err != nil {
		return fmt.Errorf("load grants: %w", err)
	}

	approval := func(rows Rows) error {
		var (
			reqID, verdict string
			a              access.Approval
			at             dbTime
		)
		if err := rows.Scan(&reqID, &a.UserID, &a.UserName, &verdict, &a.Comment, &at); err != nil {
			return err
		}
		a.Verdict, a.At = access.Verdict(verdict), timeOf(at)
		r := byID[reqID]
		r.Approvals = append(r.Approvals, a)
		return nil
	}
	// A NULL time sorts first, then approvals at the same time in insertion order.
	if err := t.each(ctx, approval, `SELECT request_id, user_id, user_name, verdict, comment, at FROM approvals
		WHERE `+t.d.InList("request_id", "$1")+` ORDER BY request_id, at NULLS FIRST, `+t.d.InsertOrder, list); err != nil {
		return fmt.Errorf("load approvals: %w", err)
	}

	approver := func(rows Rows) error {
		var reqID, userID string
		if err := rows.Scan(&reqID, &userID); err != nil {
			return err
		}
		r := byID[reqID]
		r.Approvers = append(r.Approvers, userID)
		return nil
	}
	if err := t.each(ctx, approver, `SELECT request_id, user_id FROM request_approvers
		WHERE `+t.d.InList("request_id", "$1")+` ORDER BY request_id, position`, list); err != nil {
		return fmt.Errorf("load approvers: %w", err)
	}
	return nil
}

// CountRequests returns how many requests are in each status, and how many
// have a failing revocation.
func (t *Tx) CountRequests(ctx context.Context) (map[access.Status]int, int, error) {
	out := map[access.Status]int{}
	failing := 0
	err := t.each(ctx, func(rows Rows) error {
		var (
			status string
			n, f   int
		)
		if err := rows.Scan(&status, &n, &f); err != nil {
			return err
		}
		out[access.Status(status)] = n
		failing += f
		return nil
	}, `SELECT status, count(*), count(*) FILTER (WHERE revocation_failed) FROM requests GROUP BY status`)
	if err != nil {
		return nil, 0, t.wrap("count requests", err)
	}
	return out, failing, nil
}

// MarkGrantDrift sets the grant's drift_missing_since unless it is set.
func (t *Tx) MarkGrantDrift(ctx context.Context, grantID string, since time.Time) (bool, error) {
	op := "mark drift of grant " + grantID
	n, err := t.c.Exec(ctx, `UPDATE grants SET drift_missing_since = $1 WHERE id = $2 AND drift_missing_since IS NULL`, t.ts(since), grantID)
	if err != nil {
		return false, t.wrap(op, err)
	}
	if n > 0 {
		return true, nil
	}
	var one int
	err = t.c.QueryRow(ctx, `SELECT 1 FROM grants WHERE id = $1`, grantID).Scan(&one)
	if isNoRows(err) {
		return false, t.notFound(op)
	}
	if err != nil {
		return false, t.wrap(op, err)
	}
	return false, nil
}

// ClearGrantDrift clears the grant's drift_missing_since.
func (t *Tx) ClearGrantDrift(ctx context.Context, grantID string) error {
	if _, err := t.c.Exec(ctx, `UPDATE grants SET drift_missing_since = NULL WHERE id = $1`, grantID); err != nil {
		return t.wrap("clear drift of grant "+grantID, err)
	}
	return nil
}
