package storetest

import (
	"crypto/sha256"
	"reflect"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// testTokenListDelete: a user lists and revokes their own tokens only.
func testTokenListDelete(t *testing.T, s store.Store) {
	ctx := t.Context()
	hash := func(secret string) []byte { h := sha256.Sum256([]byte(secret)); return h[:] }
	a1 := access.Token{ID: "t-a1", UserID: "u-alice", Name: "laptop", Hash: hash("a1"), CreatedAt: at(0)}
	a2 := access.Token{ID: "t-a2", UserID: "u-alice", Name: "ci", Hash: hash("a2"), CreatedAt: at(time.Minute), ExpiresAt: at(time.Hour)}
	b1 := access.Token{ID: "t-b1", UserID: "u-bob", Name: "bob", Hash: hash("b1"), CreatedAt: at(0)}
	inTx(t, s, func(tx store.Tx) error {
		for _, tok := range []access.Token{a2, b1, a1} {
			if err := tx.CreateToken(ctx, tok); err != nil {
				return err
			}
		}
		return nil
	})
	readTx(t, s, func(tx store.Tx) error {
		got, err := tx.ListTokens(ctx, "u-alice")
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(got, []access.Token{a1, a2}) {
			t.Errorf("ListTokens(alice):\n got  %+v\n want %+v", got, []access.Token{a1, a2})
		}
		none, err := tx.ListTokens(ctx, "u-nobody")
		if err != nil {
			return err
		}
		if len(none) != 0 {
			t.Errorf("ListTokens(nobody) = %+v, want none", none)
		}
		return nil
	})
	err := s.InTx(ctx, func(tx store.Tx) error { return tx.DeleteToken(ctx, "u-alice", "t-b1") })
	wantErr(t, "DeleteToken(someone else's)", err, store.ErrNotFound)
	inTx(t, s, func(tx store.Tx) error { return tx.DeleteToken(ctx, "u-alice", "t-a1") })
	readTx(t, s, func(tx store.Tx) error {
		_, err := tx.FindTokenByHash(ctx, a1.Hash)
		wantErr(t, "FindTokenByHash(deleted)", err, store.ErrNotFound)
		if _, err := tx.FindTokenByHash(ctx, b1.Hash); err != nil {
			t.Errorf("bob's token after alice deleted hers: %v", err)
		}
		return nil
	})
}

// testSessions: create, find by hash, touch, delete, and prune stale ones.
func testSessions(t *testing.T, s store.Store) {
	ctx := t.Context()
	hash := func(secret string) []byte { h := sha256.Sum256([]byte(secret)); return h[:] }
	s1 := access.Session{ID: "s-1", Hash: hash("one"), UserID: "u-alice", Method: "oidc", CreatedAt: at(0), LastSeenAt: at(0), ExpiresAt: at(12 * time.Hour),
		AuthAt: at(-10 * time.Minute), AuthContext: "amr mfa pwd", MFA: true} // what the IdP proved is kept
	s2 := access.Session{ID: "s-2", Hash: hash("two"), UserID: "u-bob", Method: "saml", CreatedAt: at(0), LastSeenAt: at(0), ExpiresAt: at(time.Hour),
		AuthAt: at(-time.Hour), AuthContext: "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"}
	s3 := access.Session{ID: "s-3", Hash: hash("three"), UserID: "u-bob", Method: "demo", CreatedAt: at(0), LastSeenAt: at(3 * time.Hour), ExpiresAt: at(12 * time.Hour)}
	inTx(t, s, func(tx store.Tx) error {
		for _, x := range []access.Session{s1, s2, s3} {
			if err := tx.CreateSession(ctx, x); err != nil {
				return err
			}
		}
		return nil
	})
	readTx(t, s, func(tx store.Tx) error {
		for _, want := range []access.Session{s1, s2, s3} {
			got, err := tx.FindSessionByHash(ctx, want.Hash)
			if err != nil {
				return err
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("FindSessionByHash:\n got  %+v\n want %+v", got, want)
			}
		}
		_, err := tx.FindSessionByHash(ctx, hash("nope"))
		wantErr(t, "FindSessionByHash(unknown)", err, store.ErrNotFound)
		return nil
	})
	err := s.InTx(ctx, func(tx store.Tx) error {
		return tx.CreateSession(ctx, access.Session{ID: "s-4", Hash: s1.Hash, UserID: "u", Method: "demo", CreatedAt: at(0), LastSeenAt: at(0), ExpiresAt: at(time.Hour)})
	})
	wantErr(t, "CreateSession(taken hash)", err, store.ErrConflict)

	inTx(t, s, func(tx store.Tx) error { return tx.TouchSession(ctx, "s-1", at(2*time.Hour)) })
	err = s.InTx(ctx, func(tx store.Tx) error { return tx.TouchSession(ctx, "s-nope", at(0)) })
	wantErr(t, "TouchSession(unknown)", err, store.ErrNotFound)
	readTx(t, s, func(tx store.Tx) error {
		got, err := tx.FindSessionByHash(ctx, s1.Hash)
		if err != nil {
			return err
		}
		if !got.LastSeenAt.Equal(at(2 * time.Hour)) {
			t.Errorf("after TouchSession: LastSeenAt = %v, want %v", got.LastSeenAt, at(2*time.Hour))
		}
		return nil
	})

	// At base+2h with a 1h idle timeout: s2 is past its absolute expiry;
	// s1 was seen at 2h and s3 at 3h, so both stay.
	var n int
	inTx(t, s, func(tx store.Tx) error {
		var err error
		n, err = tx.DeleteStaleSessions(ctx, at(2*time.Hour), at(time.Hour))
		return err
	})
	if n != 1 {
		t.Errorf("DeleteStaleSessions = %d, want 1 (s-2 expired)", n)
	}
	inTx(t, s, func(tx store.Tx) error { return tx.DeleteSession(ctx, "s-1") })
	inTx(t, s, func(tx store.Tx) error { return tx.DeleteSession(ctx, "s-1") }) // twice is fine
	readTx(t, s, func(tx store.Tx) error {
		for _, gone := range []access.Session{s1, s2} {
			_, err := tx.FindSessionByHash(ctx, gone.Hash)
			wantErr(t, "FindSessionByHash("+gone.ID+")", err, store.ErrNotFound)
		}
		if _, err := tx.FindSessionByHash(ctx, s3.Hash); err != nil {
			t.Errorf("s-3 should remain: %v", err)
		}
		return nil
	})
}
