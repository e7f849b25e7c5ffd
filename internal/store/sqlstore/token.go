package sqlstore

import (
	"context"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// CreateToken stores an API token. A taken id or hash is store.ErrConflict.
func (t *Tx) CreateToken(ctx context.Context, tok access.Token) error {
	if _, err := t.c.Exec(ctx, `INSERT INTO tokens (id, user_id, name, hash, created_at, expires_at, last_used_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		tok.ID, tok.UserID, tok.Name, tok.Hash, t.ts(tok.CreatedAt), t.ts(tok.ExpiresAt), t.ts(tok.LastUsedAt)); err != nil {
		return t.wrap("create token "+tok.ID, err)
	}
	return nil
}

// FindTokenByHash returns the token with the given hash, expired or not.
func (t *Tx) FindTokenByHash(ctx context.Context, hash []byte) (access.Token, error) {
	var (
		tok                          access.Token
		createdAt, expiresAt, usedAt dbTime
	)
	if err := t.scanOne("find token by hash", t.c.QueryRow(ctx, `SELECT id, user_id, name, hash, created_at, expires_at, last_used_at
		FROM tokens WHERE hash = $1`, hash), &tok.ID, &tok.UserID, &tok.Name, &tok.Hash, &createdAt, &expiresAt, &usedAt); err != nil {
		return access.Token{}, err
	}
	tok.CreatedAt, tok.ExpiresAt, tok.LastUsedAt = timeOf(createdAt), timeOf(expiresAt), timeOf(usedAt)
	return tok, nil
}

// TouchToken records the token's last use.
func (t *Tx) TouchToken(ctx context.Context, id string, at time.Time) error {
	return t.update(ctx, "touch token "+id, `UPDATE tokens SET last_used_at = $1 WHERE id = $2`, t.ts(at), id)
}
