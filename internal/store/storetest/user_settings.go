package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// testUserSettings: a user without settings is not found; settings are
// stored once per user (a second put replaces them) and read back as put,
// an empty zone included.
func testUserSettings(t *testing.T, s store.Store) {
	ctx := t.Context()
	err := s.ReadTx(ctx, func(tx store.Tx) error { _, err := tx.FindUserSettings(ctx, "u1"); return err })
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("settings of a user who saved none: %v, want ErrNotFound", err)
	}
	inTx(t, s, func(tx store.Tx) error {
		if err := tx.PutUserSettings(ctx, access.UserSettings{UserID: "u1", TimeZone: "Asia/Tokyo", UpdatedAt: at(0)}); err != nil {
			return err
		}
		if err := tx.PutUserSettings(ctx, access.UserSettings{UserID: "u2", TimeZone: "America/New_York", UpdatedAt: at(0)}); err != nil {
			return err
		}
		return tx.PutUserSettings(ctx, access.UserSettings{UserID: "u1", TimeZone: "Europe/Berlin", UpdatedAt: at(time.Minute)})
	})
	var u1, u2 access.UserSettings
	inTx(t, s, func(tx store.Tx) error {
		var err error
		if u1, err = tx.FindUserSettings(ctx, "u1"); err != nil {
			return err
		}
		u2, err = tx.FindUserSettings(ctx, "u2")
		return err
	})
	if u1.UserID != "u1" || u1.TimeZone != "Europe/Berlin" || !u1.UpdatedAt.Equal(at(time.Minute)) {
		t.Errorf("u1's settings: %+v, want Europe/Berlin saved at +1m (the second put replaces the first)", u1)
	}
	if u2.TimeZone != "America/New_York" {
		t.Errorf("u2's settings: %+v, want America/New_York", u2)
	}
	inTx(t, s, func(tx store.Tx) error {
		return tx.PutUserSettings(ctx, access.UserSettings{UserID: "u1", TimeZone: "", UpdatedAt: at(2 * time.Minute)})
	})
	inTx(t, s, func(tx store.Tx) error { var err error; u1, err = tx.FindUserSettings(ctx, "u1"); return err })
	if u1.TimeZone != "" {
		t.Errorf("u1's zone after clearing it: %q, want empty", u1.TimeZone)
	}
}
