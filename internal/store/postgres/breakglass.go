package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// CreateBreakGlass records a break-glass request.
func (t *tx) CreateBreakGlass(ctx context.Context, u access.BreakGlassUse) error {
	accounts := u.AccountIDs
	if accounts == nil {
		accounts = []string{}
	}
	_, err := t.tx.Exec(ctx, `INSERT INTO break_glass (request_id, requester_id, requester_name, rule, permission_set_name,
		account_ids, justification, used_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		u.RequestID, u.RequesterID, u.RequesterName, u.Rule, u.PermissionSetName, accounts, u.Justification, timeArg(u.At))
	if err != nil {
		return wrap("create break-glass "+u.RequestID, err)
	}
	return nil
}

const breakGlassColumns = `b.request_id, b.requester_id, b.requester_name, b.rule, b.permission_set_name, b.account_ids,
	b.justification, b.used_at, r.status, b.reviewer_id, b.reviewed_by, b.reviewed_at, b.review_comment`

func scanBreakGlass(row pgx.Row) (access.BreakGlassUse, error) {
	var (
		u        access.BreakGlassUse
		usedAt   pgtype.Timestamptz
		status   string
		reviewed pgtype.Timestamptz
	)
	if err := row.Scan(&u.RequestID, &u.RequesterID, &u.RequesterName, &u.Rule, &u.PermissionSetName, &u.AccountIDs,
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
func (t *tx) FindBreakGlass(ctx context.Context, requestID string) (access.BreakGlassUse, error) {
	u, err := scanBreakGlass(t.tx.QueryRow(ctx, `SELECT `+breakGlassColumns+`
		FROM break_glass b JOIN requests r ON r.id = b.request_id WHERE b.request_id = $1`, requestID))
	if errors.Is(err, pgx.ErrNoRows) {
		return u, notFound("find break-glass " + requestID)
	}
	if err != nil {
		return u, wrap("find break-glass "+requestID, err)
	}
	return u, nil
}

// ReviewBreakGlass records the review of a break-glass use, once.
func (t *tx) ReviewBreakGlass(ctx context.Context, rv access.BreakGlassReview) error {
	tag, err := t.tx.Exec(ctx, `UPDATE break_glass SET reviewer_id = $1, reviewed_by = $2, reviewed_at = $3, review_comment = $4
		WHERE request_id = $5 AND reviewed_at IS NULL`, rv.ReviewerID, rv.ReviewedBy, timeArg(rv.At), rv.Comment, rv.RequestID)
	if err != nil {
		return wrap("review break-glass "+rv.RequestID, err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var one int
	err = t.tx.QueryRow(ctx, `SELECT 1 FROM break_glass WHERE request_id = $1`, rv.RequestID).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return notFound("review break-glass " + rv.RequestID)
	}
	if err != nil {
		return wrap("review break-glass "+rv.RequestID, err)
	}
	return fmt.Errorf("postgres: review break-glass %s: already reviewed: %w", rv.RequestID, store.ErrConflict)
}

// ListBreakGlass returns the break-glass uses matching f, newest first.
func (t *tx) ListBreakGlass(ctx context.Context, f access.BreakGlassFilter) ([]access.BreakGlassUse, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = access.DefaultBreakGlassLimit
	}
	where := ""
	if f.Unreviewed {
		where = `WHERE b.reviewed_at IS NULL`
	}
	var out []access.BreakGlassUse
	err := t.each(ctx, func(rows pgx.Rows) error {
		u, err := scanBreakGlass(rows)
		if err != nil {
			return err
		}
		out = append(out, u)
		return nil
	}, `SELECT `+breakGlassColumns+` FROM break_glass b JOIN requests r ON r.id = b.request_id `+where+`
		ORDER BY b.used_at DESC, b.request_id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, wrap("list break-glass", err)
	}
	return out, nil
}
