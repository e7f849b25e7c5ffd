package storetest

import (
	"bytes"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// testSignInLinks: a link is stored by the hash of its secret, found by it
// with every field, marked used once; a second mark is ErrConflict, and an
// unknown hash or id is ErrNotFound.
func testSignInLinks(t *testing.T, s store.Store) {
	ctx := t.Context()
	l := access.SignInLink{ID: "sil_1", Hash: []byte("hash-of-the-secret-1"), UserID: "u1", CreatedBy: "ops",
		CreatedAt: at(0), ExpiresAt: at(10 * time.Minute)}
	inTx(t, s, func(tx store.Tx) error { return tx.CreateSignInLink(ctx, l) })

	err := s.InTx(ctx, func(tx store.Tx) error {
		return tx.CreateSignInLink(ctx, access.SignInLink{ID: "sil_2", Hash: l.Hash, UserID: "u1", CreatedBy: "ops", CreatedAt: at(0), ExpiresAt: at(time.Minute)})
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("a second link with the same hash: %v, want ErrConflict", err)
	}

	var got access.SignInLink
	inTx(t, s, func(tx store.Tx) error {
		var err error
		got, err = tx.FindSignInLinkByHash(ctx, l.Hash)
		return err
	})
	if got.ID != l.ID || !bytes.Equal(got.Hash, l.Hash) || got.UserID != l.UserID || got.CreatedBy != l.CreatedBy ||
		!got.CreatedAt.Equal(l.CreatedAt) || !got.ExpiresAt.Equal(l.ExpiresAt) || !got.UsedAt.IsZero() {
		t.Errorf("found %+v, want %+v", got, l)
	}

	inTx(t, s, func(tx store.Tx) error { return tx.MarkSignInLinkUsed(ctx, l.ID, at(time.Minute)) })
	inTx(t, s, func(tx store.Tx) error {
		var err error
		got, err = tx.FindSignInLinkByHash(ctx, l.Hash)
		return err
	})
	if !got.UsedAt.Equal(at(time.Minute)) {
		t.Errorf("used at %v, want %v", got.UsedAt, at(time.Minute))
	}
	err = s.InTx(ctx, func(tx store.Tx) error { return tx.MarkSignInLinkUsed(ctx, l.ID, at(2*time.Minute)) })
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("second use: %v, want ErrConflict", err)
	}
	err = s.InTx(ctx, func(tx store.Tx) error { return tx.MarkSignInLinkUsed(ctx, "sil_missing", at(time.Minute)) })
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("use of a missing link: %v, want ErrNotFound", err)
	}
	err = s.ReadTx(ctx, func(tx store.Tx) error {
		_, err := tx.FindSignInLinkByHash(ctx, []byte("no such hash"))
		return err
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown hash: %v, want ErrNotFound", err)
	}
}

// testSignInLinkUsedOnce: of several uses of one link at once (replicas),
// exactly one succeeds.
func testSignInLinkUsedOnce(t *testing.T, s store.Store) {
	ctx := t.Context()
	inTx(t, s, func(tx store.Tx) error {
		return tx.CreateSignInLink(ctx, access.SignInLink{ID: "sil_c", Hash: []byte("hash-concurrent"), UserID: "u1", CreatedBy: "ops",
			CreatedAt: at(0), ExpiresAt: at(10 * time.Minute)})
	})
	const n = 4
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		ok, conf  int
		otherErrs []error
	)
	for range n {
		wg.Go(func() {
			err := s.InTx(ctx, func(tx store.Tx) error { return tx.MarkSignInLinkUsed(ctx, "sil_c", at(time.Minute)) })
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, store.ErrConflict):
				conf++
			default:
				otherErrs = append(otherErrs, err)
			}
		})
	}
	wg.Wait()
	if ok != 1 || conf != n-1 || len(otherErrs) > 0 {
		t.Fatalf("%d uses at once: %d succeeded, %d conflicts, errors %v; want 1 and %d", n, ok, conf, otherErrs, n-1)
	}
}
