package storetest

import (
	"crypto/sha256"
	"reflect"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

func testTokens(t *testing.T, s store.Store) {
	ctx := t.Context()
	hash := func(secret string) []byte { h := sha256.Sum256([]byte(secret)); return h[:] }
	tok := access.Token{ID: "t-1", UserID: "u-alice", Name: "laptop", Hash: hash("secret-1"), CreatedAt: at(0), ExpiresAt: at(24 * time.Hour)}
	never := access.Token{ID: "t-2", UserID: "u-alice", Name: "ci", Hash: hash("secret-2"), CreatedAt: at(time.Minute)}
	inTx(t, s, func(tx store.Tx) error {
		if err := tx.CreateToken(ctx, tok); err != nil {
			return err
		}
		return tx.CreateToken(ctx, never)
	})

	readTx(t, s, func(tx store.Tx) error {
		for _, want := range []access.Token{tok, never} {
			got, err := tx.FindTokenByHash(ctx, want.Hash)
			if err != nil {
				return err
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("FindTokenByHash:\n got  %+v\n want %+v", got, want)
			}
		}
		_, err := tx.FindTokenByHash(ctx, hash("wrong"))
		wantErr(t, "FindTokenByHash(unknown)", err, store.ErrNotFound)
		_, err = tx.FindTokenByHash(ctx, nil)
		wantErr(t, "FindTokenByHash(nil)", err, store.ErrNotFound)
		return nil
	})

	inTx(t, s, func(tx store.Tx) error { return tx.TouchToken(ctx, "t-1", at(time.Hour)) })
	readTx(t, s, func(tx store.Tx) error {
		got, err := tx.FindTokenByHash(ctx, tok.Hash)
		if err != nil {
			return err
		}
		if !got.LastUsedAt.Equal(at(time.Hour)) || got.LastUsedAt.Location() != time.UTC {
			t.Errorf("after TouchToken: LastUsedAt = %v, want %v", got.LastUsedAt, at(time.Hour))
		}
		other, err := tx.FindTokenByHash(ctx, never.Hash)
		if err != nil {
			return err
		}
		if !other.LastUsedAt.IsZero() {
			t.Errorf("TouchToken(t-1) touched t-2: LastUsedAt = %v", other.LastUsedAt)
		}
		return nil
	})

	err := s.InTx(ctx, func(tx store.Tx) error { return tx.TouchToken(ctx, "t-nope", at(0)) })
	wantErr(t, "TouchToken(unknown)", err, store.ErrNotFound)
	err = s.InTx(ctx, func(tx store.Tx) error {
		return tx.CreateToken(ctx, access.Token{ID: "t-3", UserID: "u-bob", Name: "x", Hash: hash("secret-1"), CreatedAt: at(0)})
	})
	wantErr(t, "CreateToken(taken hash)", err, store.ErrConflict)
	err = s.InTx(ctx, func(tx store.Tx) error {
		return tx.CreateToken(ctx, access.Token{ID: "t-1", UserID: "u-bob", Name: "x", Hash: hash("secret-3"), CreatedAt: at(0)})
	})
	wantErr(t, "CreateToken(taken id)", err, store.ErrConflict)
}
