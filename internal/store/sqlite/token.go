package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// CreateToken stores an API token. A taken id or hash is store.ErrConflict.
func (t *tx) CreateToken(ctx context.Context, tok access.Token) error {
	if _, err := t.tx.ExecContext(ctx, `INSERT INTO tokens (id, user_id, name, hash, created_at, expires_at, last_used_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		tok.ID, tok.UserID, tok.Name, tok.Hash, timeArg(tok.CreatedAt), timeArg(tok.ExpiresAt), timeArg(tok.LastUsedAt)); err != nil {
		return wrapWrite("create token "+tok.ID, err)
	}
	return nil
}

// FindTokenByHash returns the token with the given hash, expired or not.
func (t *tx) FindTokenByHash(ctx context.Context, hash []byte) (access.Token, error) {
	var (
		tok                          access.Token
		createdAt, expiresAt, usedAt sql.NullInt64
	)
	err := t.tx.QueryRowContext(ctx, `SELECT id, user_id, name, hash, created_at, expires_at, last_used_at
		FROM tokens WHERE hash = ?`, hash).Scan(&tok.ID, &tok.UserID, &tok.Name, &tok.Hash, &createdAt, &expiresAt, &usedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return access.Token{}, notFound("find token by hash")
	}
	if err != nil {
		return access.Token{}, fmt.Errorf("sqlite: find token by hash: %w", err)
	}
	tok.CreatedAt, tok.ExpiresAt, tok.LastUsedAt = timeOf(createdAt), timeOf(expiresAt), timeOf(usedAt)
	return tok, nil
}

// TouchToken records the token's last use.
func (t *tx) TouchToken(ctx context.Context, id string, at time.Time) error {
	res, err := t.tx.ExecContext(ctx, `UPDATE tokens SET last_used_at = ? WHERE id = ?`, timeArg(at), id)
	if err != nil {
		return fmt.Errorf("sqlite: touch token %s: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: touch token %s: %w", id, err)
	}
	if n == 0 {
		return notFound("touch token " + id)
	}
	return nil
}
