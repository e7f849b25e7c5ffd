package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
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
func requestArgs(r *access.Request) []any {
	ext, err := store.EncodeExtensions(r.Extensions)
	if err != nil {
		ext = "[]" // unreachable: the extension types always encode
	}
	return []any{
		r.ID, r.RequesterID, r.RequesterName, r.PermissionSetARN, r.PermissionSetName,
		int64(r.Duration), timeArg(r.StartAt), timeArg(r.ActivatedAt), timeArg(r.EndsAt), timeArg(r.ExpiresAt),
		r.Justification, r.Ticket, string(r.Status), r.Reason,
		r.Rule, r.ApprovalsRequired, timeArg(r.EndRequestedAt), r.EndRequestedBy, r.EndComment, boolArg(r.RevocationFailed),
		ext, timeArg(r.CreatedAt), timeArg(r.UpdatedAt),
	}
}

func scanRequest(row rowScanner) (*access.Request, error) {
	var (
		r                                       access.Request
		duration                                int64
		status                                  string
		revocationFailed                        int64
		startAt, activatedAt, endsAt, expiresAt sql.NullInt64
		endRequestedAt, createdAt, updatedAt    sql.NullInt64
		extensions                              string
	)
	err := row.Scan(&r.ID, &r.RequesterID, &r.RequesterName, &r.PermissionSetARN, &r.PermissionSetName,
		&duration, &startAt, &activatedAt, &endsAt, &expiresAt, &r.Justification, &r.Ticket, &status, &r.Reason,
		&r.Rule, &r.ApprovalsRequired, &endRequestedAt, &r.EndRequestedBy, &r.EndComment, &revocationFailed,
		&extensions, &createdAt, &updatedAt, &r.Version)
	if err != nil {
		return nil, err
	}
	if r.Extensions, err = store.DecodeExtensions(extensions); err != nil {
		return nil, err
	}
	r.Duration = time.Duration(duration)
	r.Status = access.Status(status)
	r.RevocationFailed = revocationFailed != 0
	r.StartAt, r.ActivatedAt, r.EndsAt, r.ExpiresAt = timeOf(startAt), timeOf(activatedAt), timeOf(endsAt), timeOf(expiresAt)
	r.EndRequestedAt, r.CreatedAt, r.UpdatedAt = timeOf(endRequestedAt), timeOf(createdAt), timeOf(updatedAt)
	return &r, nil
}

// CreateRequest inserts r with its approvers, approvals and grants, and sets
// r.Version to 1. A taken request or grant id is store.ErrConflict.
func (t *tx) CreateRequest(ctx context.Context, r *access.Request) error {
	args := append(requestArgs(r), 1)
	if _, err := t.tx.ExecContext(ctx, `INSERT INTO requests (`+requestColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...); err != nil {
		return wrapWrite("create request "+r.ID, err)
	}
	if err := t.insertApprovers(ctx, r); err != nil {
		return err
	}
	if err := t.insertApprovals(ctx, r); err != nil {
		return err
	}
	for i, g := range r.Grants {
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO grants (id, request_id, position, account_id, status,
			create_request_id, delete_request_id, error, activated_at, revoked_at, origin)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			g.ID, r.ID, i, g.AccountID, string(g.Status), g.CreateRequestID, g.DeleteRequestID, g.Error,
			timeArg(g.ActivatedAt), timeArg(g.RevokedAt), string(g.Origin)); err != nil {
			return wrapWrite(fmt.Sprintf("create request %s: insert grant %s", r.ID, g.ID), err)
		}
	}
	r.Version = 1
	return nil
}

func (t *tx) insertApprovers(ctx context.Context, r *access.Request) error {
	for i, id := range r.Approvers {
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO request_approvers (request_id, position, user_id) VALUES (?, ?, ?)`,
			r.ID, i, id); err != nil {
			return wrapWrite(fmt.Sprintf("write request %s: insert approver %s", r.ID, id), err)
		}
	}
	return nil
}

// insertApprovals inserts the approvals not yet stored: an approver decides
// once, so (request, user) identifies an approval.
func (t *tx) insertApprovals(ctx context.Context, r *access.Request) error {
	for _, a := range r.Approvals {
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO approvals (request_id, user_id, user_name, verdict, comment, at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (request_id, user_id) DO NOTHING`,
			r.ID, a.UserID, a.UserName, string(a.Verdict), a.Comment, timeArg(a.At)); err != nil {
			return wrapWrite(fmt.Sprintf("write request %s: insert approval by %s", r.ID, a.UserID), err)
		}
	}
	return nil
}

// UpdateRequest writes r if the stored version is still r.Version, then bumps
// r.Version. Grants are updated by id (a new grant id is inserted), approvals
// not yet stored are inserted, and the approvers are replaced.
func (t *tx) UpdateRequest(ctx context.Context, r *access.Request) error {
	args := append(requestArgs(r)[1:], r.ID, r.Version)
	res, err := t.tx.ExecContext(ctx, `UPDATE requests SET
		requester_id = ?, requester_name = ?, permission_set_arn = ?, permission_set_name = ?,
		duration_ns = ?, start_at = ?, activated_at = ?, ends_at = ?, expires_at = ?, justification = ?, ticket = ?,
		status = ?, reason = ?, rule = ?, approvals_required = ?, end_requested_at = ?, end_requested_by = ?,
		end_comment = ?, revocation_failed = ?, extensions = ?, created_at = ?, updated_at = ?, version = version + 1
		WHERE id = ? AND version = ?`, args...)
	if err != nil {
		return wrapWrite("update request "+r.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: update request %s: %w", r.ID, err)
	}
	if n == 0 {
		var stored int
		err := t.tx.QueryRowContext(ctx, `SELECT version FROM requests WHERE id = ?`, r.ID).Scan(&stored)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return notFound("update request " + r.ID)
		case err != nil:
			return fmt.Errorf("sqlite: update request %s: read version: %w", r.ID, err)
		}
		return fmt.Errorf("sqlite: update request %s: %w: stored version is %d, the update is based on %d",
			r.ID, store.ErrConflict, stored, r.Version)
	}

	for _, g := range r.Grants {
		res, err := t.tx.ExecContext(ctx, `UPDATE grants SET account_id = ?, status = ?, create_request_id = ?,
			delete_request_id = ?, error = ?, activated_at = ?, revoked_at = ?, origin = ?
			WHERE id = ? AND request_id = ?`,
			g.AccountID, string(g.Status), g.CreateRequestID, g.DeleteRequestID, g.Error,
			timeArg(g.ActivatedAt), timeArg(g.RevokedAt), string(g.Origin), g.ID, r.ID)
		if err != nil {
			return wrapWrite(fmt.Sprintf("update request %s: update grant %s", r.ID, g.ID), err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("sqlite: update request %s: update grant %s: %w", r.ID, g.ID, err)
		} else if n > 0 {
			continue
		}
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO grants (id, request_id, position, account_id, status,
			create_request_id, delete_request_id, error, activated_at, revoked_at, origin)
			VALUES (?, ?, (SELECT coalesce(max(position), -1) + 1 FROM grants WHERE request_id = ?), ?, ?, ?, ?, ?, ?, ?, ?)`,
			g.ID, r.ID, r.ID, g.AccountID, string(g.Status), g.CreateRequestID, g.DeleteRequestID, g.Error,
			timeArg(g.ActivatedAt), timeArg(g.RevokedAt), string(g.Origin)); err != nil {
			return wrapWrite(fmt.Sprintf("update request %s: insert grant %s", r.ID, g.ID), err)
		}
	}
	if err := t.insertApprovals(ctx, r); err != nil {
		return err
	}
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM request_approvers WHERE request_id = ?`, r.ID); err != nil {
		return fmt.Errorf("sqlite: update request %s: delete approvers: %w", r.ID, err)
	}
	if err := t.insertApprovers(ctx, r); err != nil {
		return err
	}
	r.Version++
	return nil
}

// FindRequestByID returns the request with its grants, approvals and approvers.
func (t *tx) FindRequestByID(ctx context.Context, id string) (*access.Request, error) {
	r, err := scanRequest(t.tx.QueryRowContext(ctx, `SELECT `+requestColumns+` FROM requests WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("find request " + id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: find request %s: %w", id, err)
	}
	if err := t.loadChildren(ctx, []*access.Request{r}); err != nil {
		return nil, fmt.Errorf("sqlite: find request %s: %w", id, err)
	}
	return r, nil
}

// FindRequestByGrantID returns the request that owns the grant.
func (t *tx) FindRequestByGrantID(ctx context.Context, grantID string) (*access.Request, error) {
	var id string
	err := t.tx.QueryRowContext(ctx, `SELECT request_id FROM grants WHERE id = ?`, grantID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("find request by grant " + grantID)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: find request by grant %s: %w", grantID, err)
	}
	r, err := t.FindRequestByID(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find request by grant %s: %w", grantID, err)
	}
	return r, nil
}

// ListRequests returns the requests matching f, newest created first, with
// their grants, approvals and approvers loaded in one query each.
func (t *tx) ListRequests(ctx context.Context, f access.RequestFilter) ([]*access.Request, error) {
	var (
		where []string
		args  []any
	)
	if len(f.Statuses) > 0 {
		ss := make([]string, len(f.Statuses))
		for i, s := range f.Statuses {
			ss[i] = string(s)
		}
		list, err := jsonArray(ss)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list requests: encode statuses: %w", err)
		}
		where = append(where, `status IN (SELECT value FROM json_each(?))`)
		args = append(args, list)
	}
	if f.RequesterID != "" {
		where = append(where, `requester_id = ?`)
		args = append(args, f.RequesterID)
	}
	if f.ApproverID != "" {
		where = append(where, `id IN (SELECT request_id FROM request_approvers WHERE user_id = ?)`)
		args = append(args, f.ApproverID)
	}
	if f.InvolvingUserID != "" {
		where = append(where, `(requester_id = ? OR id IN (SELECT request_id FROM request_approvers WHERE user_id = ?))`)
		args = append(args, f.InvolvingUserID, f.InvolvingUserID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = defaultListLimit
	}
	limit = min(limit, maxListLimit)

	q := `SELECT ` + requestColumns + ` FROM requests`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `) //nolint:gosec // G202: table and column names are constants of this package; values are bound parameters
	}
	q += ` ORDER BY created_at DESC, id DESC LIMIT ?`
	args = append(args, limit)

	rows, err := t.tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list requests: %w", err)
	}
	defer rows.Close()
	var rs []*access.Request
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list requests: %w", err)
		}
		rs = append(rs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list requests: %w", err)
	}
	if err := t.loadChildren(ctx, rs); err != nil {
		return nil, fmt.Errorf("sqlite: list requests: %w", err)
	}
	return rs, nil
}

// loadChildren loads the grants (by position), approvals (by time) and
// approvers (in their order) of rs, one query each.
func (t *tx) loadChildren(ctx context.Context, rs []*access.Request) error {
	if len(rs) == 0 {
		return nil
	}
	byID := make(map[string]*access.Request, len(rs))
	ids := make([]string, len(rs))
	for i, r := range rs {
		byID[r.ID] = r
		ids[i] = r.ID
	}
	list, err := jsonArray(ids)
	if err != nil {
		return fmt.Errorf("encode request ids: %w", err)
	}

	grant := func(rows *sql.Rows) error {
		var (
			reqID, status          string
			g                      access.Grant
			activatedAt, revokedAt sql.NullInt64
		)
		var origin string
		if err := rows.Scan(&reqID, &g.ID, &g.AccountID, &status, &g.CreateRequestID, &g.DeleteRequestID, &g.Error,
			&activatedAt, &revokedAt, &origin); err != nil {
			return err
		}
		g.Status, g.ActivatedAt, g.RevokedAt, g.Origin = access.GrantStatus(status), timeOf(activatedAt), timeOf(revokedAt), access.Origin(origin)
		r := byID[reqID]
		r.Grants = append(r.Grants, g)
		return nil
	}
	if err := t.each(ctx, grant, `SELECT request_id, id, account_id, status, create_request_id, delete_request_id,
		error, activated_at, revoked_at, origin FROM grants WHERE request_id IN (SELECT value FROM json_each(?))
		ORDER BY request_id, position`, list); err != nil {
		return fmt.Errorf("load grants: %w", err)
	}

	approval := func(rows *sql.Rows) error {
		var (
			reqID, verdict string
			a              access.Approval
			at             sql.NullInt64
		)
		if err := rows.Scan(&reqID, &a.UserID, &a.UserName, &verdict, &a.Comment, &at); err != nil {
			return err
		}
		a.Verdict, a.At = access.Verdict(verdict), timeOf(at)
		r := byID[reqID]
		r.Approvals = append(r.Approvals, a)
		return nil
	}
	if err := t.each(ctx, approval, `SELECT request_id, user_id, user_name, verdict, comment, at FROM approvals
		WHERE request_id IN (SELECT value FROM json_each(?)) ORDER BY request_id, at, rowid`, list); err != nil {
		return fmt.Errorf("load approvals: %w", err)
	}

	approver := func(rows *sql.Rows) error {
		var reqID, userID string
		if err := rows.Scan(&reqID, &userID); err != nil {
			return err
		}
		r := byID[reqID]
		r.Approvers = append(r.Approvers, userID)
		return nil
	}
	if err := t.each(ctx, approver, `SELECT request_id, user_id FROM request_approvers
		WHERE request_id IN (SELECT value FROM json_each(?)) ORDER BY request_id, position`, list); err != nil {
		return fmt.Errorf("load approvers: %w", err)
	}
	return nil
}

// each runs the query and calls fn on every row.
func (t *tx) each(ctx context.Context, fn func(*sql.Rows) error, query string, args ...any) error {
	rows, err := t.tx.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
