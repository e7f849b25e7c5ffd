package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// ListTokens returns the user's tokens, oldest first.
func (t *tx) ListTokens(ctx context.Context, userID string) ([]access.Token, error) {
	rows, err := t.tx.QueryContext(ctx, `SELECT id, user_id, name, hash, created_at, expires_at, last_used_at
		FROM tokens WHERE user_id = ? ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list tokens: %w", err)
	}
	defer rows.Close()
	var out []access.Token
	for rows.Next() {
		var (
			tok                          access.Token
			createdAt, expiresAt, usedAt sql.NullInt64
		)
		if err := rows.Scan(&tok.ID, &tok.UserID, &tok.Name, &tok.Hash, &createdAt, &expiresAt, &usedAt); err != nil {
			return nil, fmt.Errorf("sqlite: list tokens: %w", err)
		}
		tok.CreatedAt, tok.ExpiresAt, tok.LastUsedAt = timeOf(createdAt), timeOf(expiresAt), timeOf(usedAt)
		out = append(out, tok)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list tokens: %w", err)
	}
	return out, nil
}

// DeleteToken revokes one of the user's tokens.
func (t *tx) DeleteToken(ctx context.Context, userID, id string) error {
	res, err := t.tx.ExecContext(ctx, `DELETE FROM tokens WHERE id = ? AND user_id = ?`, id, userID)
	if err != nil {
		return fmt.Errorf("sqlite: delete token %s: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: delete token %s: %w", id, err)
	} else if n == 0 {
		return notFound("delete token " + id)
	}
	return nil
}

// CreateSession stores a portal session.
func (t *tx) CreateSession(ctx context.Context, s access.Session) error {
	if _, err := t.tx.ExecContext(ctx, `INSERT INTO sessions (id, hash, user_id, method, created_at, last_seen_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, s.ID, s.Hash, s.UserID, s.Method, timeArg(s.CreatedAt), timeArg(s.LastSeenAt), timeArg(s.ExpiresAt)); err != nil {
		return wrapWrite("create session "+s.ID, err)
	}
	return nil
}

// FindSessionByHash returns the session whose secret has this hash.
func (t *tx) FindSessionByHash(ctx context.Context, hash []byte) (access.Session, error) {
	var (
		s                      access.Session
		created, seen, expires sql.NullInt64
	)
	err := t.tx.QueryRowContext(ctx, `SELECT id, hash, user_id, method, created_at, last_seen_at, expires_at
		FROM sessions WHERE hash = ?`, hash).Scan(&s.ID, &s.Hash, &s.UserID, &s.Method, &created, &seen, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return access.Session{}, notFound("find session")
	}
	if err != nil {
		return access.Session{}, fmt.Errorf("sqlite: find session: %w", err)
	}
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt = timeOf(created), timeOf(seen), timeOf(expires)
	return s, nil
}

// TouchSession records activity on the session.
func (t *tx) TouchSession(ctx context.Context, id string, at time.Time) error {
	res, err := t.tx.ExecContext(ctx, `UPDATE sessions SET last_seen_at = ? WHERE id = ?`, timeArg(at), id)
	if err != nil {
		return fmt.Errorf("sqlite: touch session %s: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: touch session %s: %w", id, err)
	} else if n == 0 {
		return notFound("touch session " + id)
	}
	return nil
}

// DeleteSession ends a session.
func (t *tx) DeleteSession(ctx context.Context, id string) error {
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, id); err != nil {
		return fmt.Errorf("sqlite: delete session %s: %w", id, err)
	}
	return nil
}

// DeleteStaleSessions deletes expired and idle sessions.
func (t *tx) DeleteStaleSessions(ctx context.Context, now, idleSince time.Time) (int, error) {
	res, err := t.tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at < ?`, timeArg(now), timeArg(idleSince))
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete stale sessions: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete stale sessions: %w", err)
	}
	return int(n), nil
}
