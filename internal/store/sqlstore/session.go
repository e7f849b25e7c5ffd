package sqlstore

import (
	"context"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// ListTokens returns the user's tokens, oldest first.
func (t *Tx) ListTokens(ctx context.Context, userID string) ([]access.Token, error) {
	rows, err := t.c.Query(ctx, `SELECT id, user_id, name, hash, created_at, expires_at, last_used_at
		FROM tokens WHERE user_id = $1 ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, t.wrap("list tokens", err)
	}
	defer rows.Close()
	var out []access.Token
	for rows.Next() {
		var (
			tok                          access.Token
			createdAt, expiresAt, usedAt dbTime
		)
		if err := rows.Scan(&tok.ID, &tok.UserID, &tok.Name, &tok.Hash, &createdAt, &expiresAt, &usedAt); err != nil {
			return nil, t.wrap("list tokens", err)
		}
		tok.CreatedAt, tok.ExpiresAt, tok.LastUsedAt = timeOf(createdAt), timeOf(expiresAt), timeOf(usedAt)
		out = append(out, tok)
	}
	if err := rows.Err(); err != nil {
		return nil, t.wrap("list tokens", err)
	}
	return out, nil
}

// DeleteToken revokes one of the user's tokens.
func (t *Tx) DeleteToken(ctx context.Context, userID, id string) error {
	return t.update(ctx, "delete token "+id, `DELETE FROM tokens WHERE id = $1 AND user_id = $2`, id, userID)
}

// CreateSession stores a portal session.
func (t *Tx) CreateSession(ctx context.Context, s access.Session) error {
	if _, err := t.c.Exec(ctx, `INSERT INTO sessions (id, hash, user_id, method, created_at, last_seen_at, expires_at, auth_at, auth_context, mfa)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, s.ID, s.Hash, s.UserID, s.Method, t.ts(s.CreatedAt), t.ts(s.LastSeenAt), t.ts(s.ExpiresAt),
		t.ts(s.AuthAt), s.AuthContext, s.MFA); err != nil {
		return t.wrap("create session "+s.ID, err)
	}
	return nil
}

// FindSessionByHash returns the session whose secret has this hash.
func (t *Tx) FindSessionByHash(ctx context.Context, hash []byte) (access.Session, error) {
	var (
		s                              access.Session
		created, seen, expires, authAt dbTime
	)
	if err := t.scanOne("find session", t.c.QueryRow(ctx, `SELECT id, hash, user_id, method, created_at, last_seen_at, expires_at, auth_at, auth_context, mfa
		FROM sessions WHERE hash = $1`, hash), &s.ID, &s.Hash, &s.UserID, &s.Method, &created, &seen, &expires, &authAt, &s.AuthContext, &s.MFA); err != nil {
		return access.Session{}, err
	}
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt, s.AuthAt = timeOf(created), timeOf(seen), timeOf(expires), timeOf(authAt)
	return s, nil
}

// TouchSession records activity on the session.
func (t *Tx) TouchSession(ctx context.Context, id string, at time.Time) error {
	return t.update(ctx, "touch session "+id, `UPDATE sessions SET last_seen_at = $1 WHERE id = $2`, t.ts(at), id)
}

// DeleteSession ends a session.
func (t *Tx) DeleteSession(ctx context.Context, id string) error {
	if _, err := t.c.Exec(ctx, `DELETE FROM sessions WHERE id = $1`, id); err != nil {
		return t.wrap("delete session "+id, err)
	}
	return nil
}

// DeleteStaleSessions deletes expired and idle sessions.
func (t *Tx) DeleteStaleSessions(ctx context.Context, now, idleSince time.Time) (int, error) {
	n, err := t.c.Exec(ctx, `DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at < $2`, t.ts(now), t.ts(idleSince))
	if err != nil {
		return 0, t.wrap("delete stale sessions", err)
	}
	return int(n), nil
}
