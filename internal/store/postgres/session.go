package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// ListTokens returns the user's tokens, oldest first.
func (t *tx) ListTokens(ctx context.Context, userID string) ([]access.Token, error) {
	rows, err := t.tx.Query(ctx, `SELECT id, user_id, name, hash, created_at, expires_at, last_used_at
		FROM tokens WHERE user_id = $1 ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, wrap("list tokens", err)
	}
	defer rows.Close()
	var out []access.Token
	for rows.Next() {
		var (
			tok                          access.Token
			createdAt, expiresAt, usedAt pgtype.Timestamptz
		)
		if err := rows.Scan(&tok.ID, &tok.UserID, &tok.Name, &tok.Hash, &createdAt, &expiresAt, &usedAt); err != nil {
			return nil, wrap("list tokens", err)
		}
		tok.CreatedAt, tok.ExpiresAt, tok.LastUsedAt = timeOf(createdAt), timeOf(expiresAt), timeOf(usedAt)
		out = append(out, tok)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("list tokens", err)
	}
	return out, nil
}

// DeleteToken revokes one of the user's tokens.
func (t *tx) DeleteToken(ctx context.Context, userID, id string) error {
	tag, err := t.tx.Exec(ctx, `DELETE FROM tokens WHERE id = $1 AND user_id = $2`, id, userID)
	if err != nil {
		return wrap("delete token "+id, err)
	}
	if tag.RowsAffected() == 0 {
		return notFound("delete token " + id)
	}
	return nil
}

// CreateSession stores a portal session.
func (t *tx) CreateSession(ctx context.Context, s access.Session) error {
	if _, err := t.tx.Exec(ctx, `INSERT INTO sessions (id, hash, user_id, method, created_at, last_seen_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, s.ID, s.Hash, s.UserID, s.Method, timeArg(s.CreatedAt), timeArg(s.LastSeenAt), timeArg(s.ExpiresAt)); err != nil {
		return wrap("create session "+s.ID, err)
	}
	return nil
}

// FindSessionByHash returns the session whose secret has this hash.
func (t *tx) FindSessionByHash(ctx context.Context, hash []byte) (access.Session, error) {
	var (
		s                      access.Session
		created, seen, expires pgtype.Timestamptz
	)
	err := t.tx.QueryRow(ctx, `SELECT id, hash, user_id, method, created_at, last_seen_at, expires_at
		FROM sessions WHERE hash = $1`, hash).Scan(&s.ID, &s.Hash, &s.UserID, &s.Method, &created, &seen, &expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return access.Session{}, notFound("find session")
	}
	if err != nil {
		return access.Session{}, wrap("find session", err)
	}
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt = timeOf(created), timeOf(seen), timeOf(expires)
	return s, nil
}

// TouchSession records activity on the session.
func (t *tx) TouchSession(ctx context.Context, id string, at time.Time) error {
	tag, err := t.tx.Exec(ctx, `UPDATE sessions SET last_seen_at = $1 WHERE id = $2`, timeArg(at), id)
	if err != nil {
		return wrap("touch session "+id, err)
	}
	if tag.RowsAffected() == 0 {
		return notFound("touch session " + id)
	}
	return nil
}

// DeleteSession ends a session.
func (t *tx) DeleteSession(ctx context.Context, id string) error {
	if _, err := t.tx.Exec(ctx, `DELETE FROM sessions WHERE id = $1`, id); err != nil {
		return wrap("delete session "+id, err)
	}
	return nil
}

// DeleteStaleSessions deletes expired and idle sessions.
func (t *tx) DeleteStaleSessions(ctx context.Context, now, idleSince time.Time) (int, error) {
	tag, err := t.tx.Exec(ctx, `DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at < $2`, timeArg(now), timeArg(idleSince))
	if err != nil {
		return 0, wrap("delete stale sessions", err)
	}
	return int(tag.RowsAffected()), nil
}
