package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// writeEverything writes a request, an event, a directory and a token.
func writeEverything(t *testing.T, tx store.Tx, id string) error {
	ctx := t.Context()
	if err := tx.CreateRequest(ctx, fullRequest(id, "u-req", base)); err != nil {
		return err
	}
	if err := tx.AppendEvent(ctx, access.Event{Type: access.EventSubmitted, RequestID: id, Actor: access.SystemActor, At: base}); err != nil {
		return err
	}
	if err := tx.ReplaceDirectory(ctx, directory(), base); err != nil {
		return err
	}
	return tx.CreateToken(ctx, access.Token{ID: "t-" + id, UserID: "u-req", Name: "x", Hash: []byte("hash-" + id), CreatedAt: base})
}

// nothingStored checks that writeEverything(id) left nothing behind.
func nothingStored(t *testing.T, s store.Store, id string) {
	t.Helper()
	ctx := t.Context()
	readTx(t, s, func(tx store.Tx) error {
		_, err := tx.FindRequestByID(ctx, id)
		wantErr(t, "FindRequestByID after rollback", err, store.ErrNotFound)
		_, err = tx.FindRequestByGrantID(ctx, id+"-g1")
		wantErr(t, "FindRequestByGrantID after rollback", err, store.ErrNotFound)
		evs, err := tx.ListEvents(ctx, "")
		if err != nil {
			return err
		}
		if len(evs) != 0 {
			t.Errorf("events after rollback: %+v", evs)
		}
		syncedAt, err := tx.DirectorySyncedAt(ctx)
		if err != nil {
			return err
		}
		if !syncedAt.IsZero() {
			t.Errorf("DirectorySyncedAt after rollback = %v", syncedAt)
		}
		_, err = tx.FindTokenByHash(ctx, []byte("hash-"+id))
		wantErr(t, "FindTokenByHash after rollback", err, store.ErrNotFound)
		return nil
	})
	lookupsNotFound(t, s, "u-alice", "alice", "Admins", "111111111111", "ReadOnly")
}

func testInTxRollbackOnError(t *testing.T, s store.Store) {
	errBoom := errors.New("boom")
	err := s.InTx(t.Context(), func(tx store.Tx) error {
		if err := writeEverything(t, tx, "r-rollback"); err != nil {
			return err
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("InTx returned %v, want fn's error", err)
	}
	nothingStored(t, s, "r-rollback")

	// A failed write inside fn (here a conflict) rolls back the writes
	// before it when fn returns the error.
	create(t, s, simpleRequest("r-taken", "u-req", access.StatusPending, base))
	err = s.InTx(t.Context(), func(tx store.Tx) error {
		if err := tx.CreateRequest(t.Context(), simpleRequest("r-new", "u-req", access.StatusPending, base)); err != nil {
			return err
		}
		return tx.CreateRequest(t.Context(), simpleRequest("r-taken", "u-req", access.StatusPending, base))
	})
	wantErr(t, "InTx(new, then taken)", err, store.ErrConflict)
	err = s.ReadTx(t.Context(), func(tx store.Tx) error {
		_, err := tx.FindRequestByID(t.Context(), "r-new")
		return err
	})
	wantErr(t, "FindRequestByID(r-new) after the rollback", err, store.ErrNotFound)

	// The store is usable afterwards.
	inTx(t, s, func(tx store.Tx) error { return writeEverything(t, tx, "r-after") })
	sameRequest(t, find(t, s, "r-after"), func() *access.Request {
		r := fullRequest("r-after", "u-req", base)
		r.Version = 1
		return r
	}())
}

func testInTxRollbackOnPanic(t *testing.T, s store.Store) {
	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Errorf("recovered %v, want InTx to re-panic with fn's panic", p)
			}
		}()
		_ = s.InTx(t.Context(), func(tx store.Tx) error {
			if err := writeEverything(t, tx, "r-panic"); err != nil {
				t.Errorf("writeEverything: %v", err)
			}
			panic("boom")
		})
	}()
	nothingStored(t, s, "r-panic")
	// The store is usable afterwards (the transaction did not leak).
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- s.InTx(ctx, func(tx store.Tx) error {
			return tx.CreateRequest(ctx, simpleRequest("r-after-panic", "u-req", access.StatusPending, base))
		})
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("InTx after a panic: %v", err)
		}
	case <-ctx.Done():
		t.Fatal("InTx after a panic did not finish within 30s: the panicking transaction leaked")
	}
}

func testReadTxSeesCommitted(t *testing.T, s store.Store) {
	r := fullRequest("r-seen", "u-req", base)
	create(t, s, r)
	sameRequest(t, find(t, s, "r-seen"), r)

	// A later commit is visible to a later read transaction.
	r.Status = access.StatusEnded
	inTx(t, s, func(tx store.Tx) error { return tx.UpdateRequest(t.Context(), r) })
	got := find(t, s, "r-seen")
	if got.Status != access.StatusEnded || got.Version != 2 {
		t.Errorf("after the update: status %s, version %d; want ended, 2", got.Status, got.Version)
	}
}

func testReadTxIsReadOnly(t *testing.T, s store.Store) {
	err := s.ReadTx(t.Context(), func(tx store.Tx) error {
		return tx.CreateRequest(t.Context(), simpleRequest("r-ro", "u-req", access.StatusPending, base))
	})
	if err == nil {
		t.Error("CreateRequest in ReadTx succeeded, want an error")
	}
	err = s.ReadTx(t.Context(), func(tx store.Tx) error {
		_, err := tx.FindRequestByID(t.Context(), "r-ro")
		return err
	})
	wantErr(t, "FindRequestByID(r-ro) after a write in ReadTx", err, store.ErrNotFound)
}
