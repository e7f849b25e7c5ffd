package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// CreateBreakGlass records a break-glass request.
func (t *tx) CreateBreakGlass(ctx context.Context, u access.BreakGlassUse) error {
	accounts, err := jsonArray(u.AccountIDs)
	if err != nil {
		return fmt.Errorf("sqlite: create break-glass %s: encode accounts: %w", u.RequestID, err)
	}
	_, err = t.tx.ExecContext(ctx, `INSERT INTO break_glass (request_id, requester_id, requester_name, rule, permission_set_name,
		account_ids, justification, used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		u.RequestID, u.RequesterID, u.RequesterName, u.Rule, u.PermissionSetName, accounts, u.Justification, u.At.UnixMicro())
	if err != nil {
		return wrapWrite("create break-glass "+u.RequestID, err)
	}
	return nil
}

const breakGlassColumns = `b.request_id, b.requester_id, b.requester_name, b.rule, b.permission_set_name, b.account_ids,
	b.justification, b.used_at, r.status, b.reviewer_id, b.reviewed_by, b.reviewed_at, b.review_comment`

func scanBreakGlass(row rowScanner) (access.BreakGlassUse, error) {
	var (
		u        access.BreakGlassUse
		accounts string
		usedAt   int64
		status   string
		reviewed sql.NullInt64
	)
	if err := row.Scan(&u.RequestID, &u.RequesterID, &u.RequesterName, &u.Rule, &u.PermissionSetName, &accounts,
		&u.Justification, &usedAt, &status, &u.ReviewerID, &u.ReviewedBy, &reviewed, &u.ReviewComment); err != nil {
		return u, err
	}
	if err := json.Unmarshal([]byte(accounts), &u.AccountIDs); err != nil {
		return u, fmt.Errorf("decode account ids: %w", err)
	}
	if len(u.AccountIDs) == 0 {
		u.AccountIDs = nil
	}
	u.At = timeOf(sql.NullInt64{Int64: usedAt, Valid: true})
	u.Status, u.ReviewedAt = access.Status(status), timeOf(reviewed)
	return u, nil
}

// FindBreakGlass returns the break-glass use of a request.
func (t *tx) FindBreakGlass(ctx context.Context, requestID string) (access.BreakGlassUse, error) {
	u, err := scanBreakGlass(t.tx.QueryRowContext(ctx, `SELECT `+breakGlassColumns+`
		FROM break_glass b JOIN requests r ON r.id = b.request_id WHERE b.request_id = ?`, requestID))
	if errors.Is(err, sql.ErrNoRows) {
		return u, notFound("find break-glass " + requestID)
	}
	if err != nil {
		return u, fmt.Errorf("sqlite: find break-glass %s: %w", requestID, err)
	}
	return u, nil
}

// ReviewBreakGlass records the review of a break-glass use, once.
func (t *tx) ReviewBreakGlass(ctx context.Context, rv access.BreakGlassReview) error {
	res, err := t.tx.ExecContext(ctx, `UPDATE break_glass SET reviewer_id = ?, reviewed_by = ?, reviewed_at = ?, review_comment = ?
		WHERE request_id = ? AND reviewed_at IS NULL`, rv.ReviewerID, rv.ReviewedBy, rv.At.UnixMicro(), rv.Comment, rv.RequestID)
	if err != nil {
		return wrapWrite("review break-glass "+rv.RequestID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: review break-glass %s: %w", rv.RequestID, err)
	} else if n == 1 {
		return nil
	}
	var one int
	err = t.tx.QueryRowContext(ctx, `SELECT 1 FROM break_glass WHERE request_id = ?`, rv.RequestID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("review break-glass " + rv.RequestID)
	}
	if err != nil {
		return fmt.Errorf("sqlite: review break-glass %s: %w", rv.RequestID, err)
	}
	return fmt.Errorf("sqlite: review break-glass %s: already reviewed: %w", rv.RequestID, store.ErrConflict)
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
	err := t.each(ctx, func(rows *sql.Rows) error {
		u, err := scanBreakGlass(rows)
		if err != nil {
			return err
		}
		out = append(out, u)
		return nil
	}, `SELECT `+breakGlassColumns+` FROM break_glass b JOIN requests r ON r.id = b.request_id `+where+`
		ORDER BY b.used_at DESC, b.request_id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list break-glass: %w", err)
	}
	return out, nil
}
