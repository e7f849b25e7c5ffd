package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// CreateToken stores an API token. A taken id or hash is store.ErrConflict.
func (t *tx) CreateToken(ctx context.Context, tok access.Token) error {
	if _, err := t.tx.Exec(ctx, `INSERT INTO tokens (id, user_id, name, hash, created_at, expires_at, last_used_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		tok.ID, tok.UserID, tok.Name, tok.Hash, timeArg(tok.CreatedAt), timeArg(tok.ExpiresAt), timeArg(tok.LastUsedAt)); err != nil {
		return wrap("create token "+tok.ID, err)
	}
	return nil
}

// FindTokenByHash returns the token with the given hash, expired or not.
func (t *tx) FindTokenByHash(ctx context.Context, hash []byte) (access.Token, error) {
	var (
		tok                          access.Token
		createdAt, expiresAt, usedAt pgtype.Timestamptz
	)
	err := t.tx.QueryRow(ctx, `SELECT id, user_id, name, hash, created_at, expires_at, last_used_at
		FROM tokens WHERE hash = $1`, hash).Scan(&tok.ID, &tok.UserID, &tok.Name, &tok.Hash, &createdAt, &expiresAt, &usedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return access.Token{}, notFound("find token by hash")
	}
	if err != nil {
		return access.Token{}, wrap("find token by hash", err)
	}
	tok.CreatedAt, tok.ExpiresAt, tok.LastUsedAt = timeOf(createdAt), timeOf(expiresAt), timeOf(usedAt)
	return tok, nil
}

// TouchToken records the token's last use.
func (t *tx) TouchToken(ctx context.Context, id string, at time.Time) error {
	tag, err := t.tx.Exec(ctx, `UPDATE tokens SET last_used_at = $1 WHERE id = $2`, timeArg(at), id)
	if err != nil {
		return wrap("touch token "+id, err)
	}
	if tag.RowsAffected() == 0 {
		return notFound("touch token " + id)
	}
	return nil
}
