package sqlstore

import (
	"context"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// CreateSignInLink stores a one-time sign-in link (only its hash).
func (t *Tx) CreateSignInLink(ctx context.Context, l access.SignInLink) error {
	if _, err := t.c.Exec(ctx, `INSERT INTO signin_links (id, hash, user_id, created_by, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, l.ID, l.Hash, l.UserID, l.CreatedBy, t.ts(l.CreatedAt), t.ts(l.ExpiresAt)); err != nil {
		return t.wrap("create signin link "+l.ID, err)
	}
	return nil
}

// FindSignInLinkByHash returns the link whose secret has this hash.
func (t *Tx) FindSignInLinkByHash(ctx context.Context, hash []byte) (access.SignInLink, error) {
	var (
		l                      access.SignInLink
		created, expires, used dbTime
	)
	if err := t.scanOne("find signin link", t.c.QueryRow(ctx, `SELECT id, hash, user_id, created_by, created_at, expires_at, used_at
		FROM signin_links WHERE hash = $1`, hash), &l.ID, &l.Hash, &l.UserID, &l.CreatedBy, &created, &expires, &used); err != nil {
		return access.SignInLink{}, err
	}
	l.CreatedAt, l.ExpiresAt, l.UsedAt = timeOf(created), timeOf(expires), timeOf(used)
	return l, nil
}

// MarkSignInLinkUsed records the link's use. The update applies only while
// used_at is empty, so of two uses at once exactly one changes the row; the
// other gets store.ErrConflict.
func (t *Tx) MarkSignInLinkUsed(ctx context.Context, id string, at time.Time) error {
	n, err := t.c.Exec(ctx, `UPDATE signin_links SET used_at = $2 WHERE id = $1 AND used_at IS NULL`, id, t.ts(at))
	if err != nil {
		return t.wrap("mark signin link "+id+" used", err)
	}
	if n == 1 {
		return nil
	}
	var one int
	if err := t.scanOne("mark signin link "+id+" used", t.c.QueryRow(ctx, `SELECT 1 FROM signin_links WHERE id = $1`, id), &one); err != nil {
		return err
	}
	return t.errorf("mark signin link %s used: already used: %w", id, store.ErrConflict)
}
