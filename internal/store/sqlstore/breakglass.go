package sqlstore

import (
	"context"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// CreateBreakGlass records a break-glass request.
func (t *Tx) CreateBreakGlass(ctx context.Context, u access.BreakGlassUse) error {
	_, err := t.c.Exec(ctx, `INSERT INTO break_glass (request_id, requester_id, requester_name, rule, permission_set_name,
		account_ids, justification, used_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		u.RequestID, u.RequesterID, u.RequesterName, u.Rule, u.PermissionSetName, t.list(u.AccountIDs), u.Justification, t.ts(u.At))
	if err != nil {
		return t.wrap("create break-glass "+u.RequestID, err)
	}
	return nil
}

const breakGlassColumns = `b.request_id, b.requester_id, b.requester_name, b.rule, b.permission_set_name, b.account_ids,
	b.justification, b.used_at, r.status, b.reviewer_id, b.reviewed_by, b.reviewed_at, b.review_comment`

func (t *Tx) scanBreakGlass(row Row) (access.BreakGlassUse, error) {
	var (
		u        access.BreakGlassUse
		usedAt   dbTime
		status   string
		reviewed dbTime
	)
	if err := row.Scan(&u.RequestID, &u.RequesterID, &u.RequesterName, &u.Rule, &u.PermissionSetName, t.d.ListDest(&u.AccountIDs),
		&u.Justification, &usedAt, &status, &u.ReviewerID, &u.ReviewedBy, &reviewed, &u.ReviewComment); err != nil {
		return u, err
	}
	if len(u.AccountIDs) == 0 {
		u.AccountIDs = nil
	}
	u.At, u.Status, u.ReviewedAt = timeOf(usedAt), access.Status(status), timeOf(reviewed)
	return u, nil
}

// FindBreakGlass returns the break-glass use of a request.
func (t *Tx) FindBreakGlass(ctx context.Context, requestID string) (access.BreakGlassUse, error) {
	u, err := t.scanBreakGlass(t.c.QueryRow(ctx, `SELECT `+breakGlassColumns+`
		FROM break_glass b JOIN requests r ON r.id = b.request_id WHERE b.request_id = $1`, requestID))
	if isNoRows(err) {
		return u, t.notFound("find break-glass " + requestID)
	}
	if err != nil {
		return u, t.wrap("find break-glass "+requestID, err)
	}
	return u, nil
}

// ReviewBreakGlass records the review of a break-glass use, once.
func (t *Tx) ReviewBreakGlass(ctx context.Context, rv access.BreakGlassReview) error {
	n, err := t.c.Exec(ctx, `UPDATE break_glass SET reviewer_id = $1, reviewed_by = $2, reviewed_at = $3, review_comment = $4
		WHERE request_id = $5 AND reviewed_at IS NULL`, rv.ReviewerID, rv.ReviewedBy, t.ts(rv.At), rv.Comment, rv.RequestID)
	if err != nil {
		return t.wrap("review break-glass "+rv.RequestID, err)
	}
	if n == 1 {
		return nil
	}
	var one int
	err = t.c.QueryRow(ctx, `SELECT 1 FROM break_glass WHERE request_id = $1`, rv.RequestID).Scan(&one)
	if isNoRows(err) {
		return t.notFound("review break-glass " + rv.RequestID)
	}
	if err != nil {
		return t.wrap("review break-glass "+rv.RequestID, err)
	}
	return t.errorf("review break-glass %s: already reviewed: %w", rv.RequestID, store.ErrConflict)
}

// ListBreakGlass returns the break-glass uses matching f, newest first.
func (t *Tx) ListBreakGlass(ctx context.Context, f access.BreakGlassFilter) ([]access.BreakGlassUse, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = access.DefaultBreakGlassLimit
	}
	where := ""
	if f.Unreviewed {
		where = `WHERE b.reviewed_at IS NULL`
	}
	out, err := collect(ctx, t, t.scanBreakGlass, `SELECT `+breakGlassColumns+` FROM break_glass b JOIN requests r ON r.id = b.request_id `+where+`
		ORDER BY b.used_at DESC, b.request_id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, t.wrap("list break-glass", err)
	}
	return out, nil
}
