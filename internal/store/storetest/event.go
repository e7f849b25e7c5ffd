package storetest

import (
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

func testEvents(t *testing.T, s store.Store) {
	alice := access.Actor{UserID: "u-alice", UserName: "alice", Email: "alice@example.com", Via: access.ViaPortal}
	evs := []access.Event{
		{Type: access.EventSubmitted, RequestID: "r1", Actor: alice, At: at(0),
			Details: map[string]string{"accounts": "111111111111,222222222222", "quote": `"x" & <y>`, "unicode": "héllo ✓"}},
		{Type: access.EventSubmitted, RequestID: "r2", Actor: alice, At: at(time.Second)},
		{Type: access.EventGrantActivated, RequestID: "r1", GrantID: "g1", Actor: access.SystemActor, At: at(2 * time.Second),
			Details: map[string]string{"account": "111111111111"}},
		// Appended later but timestamped earlier: the order is the append order.
		{Type: access.EventEnded, RequestID: "r1", Actor: access.SystemActor, At: at(-time.Hour), Details: map[string]string{}},
		{Type: access.EventType("directory.synced"), Actor: access.SystemActor, At: at(3 * time.Second)},
	}
	inTx(t, s, func(tx store.Tx) error {
		for _, e := range evs[:3] {
			if err := tx.AppendEvent(t.Context(), e); err != nil {
				return err
			}
		}
		return nil
	})
	inTx(t, s, func(tx store.Tx) error {
		for _, e := range evs[3:] {
			if err := tx.AppendEvent(t.Context(), e); err != nil {
				return err
			}
		}
		return nil
	})
	readTx(t, s, func(tx store.Tx) error {
		got, err := tx.ListEvents(t.Context(), "r1")
		if err != nil {
			return err
		}
		sameEvents(t, "r1", got, []access.Event{evs[0], evs[2], evs[3]})
		got, err = tx.ListEvents(t.Context(), "r2")
		if err != nil {
			return err
		}
		sameEvents(t, "r2", got, evs[1:2])
		got, err = tx.ListEvents(t.Context(), "")
		if err != nil {
			return err
		}
		sameEvents(t, "all", got, evs)
		got, err = tx.ListEvents(t.Context(), "r-none")
		if err != nil {
			return err
		}
		sameEvents(t, "r-none", got, nil)
		return nil
	})
}

// sameEvents compares events as stored: of the actor only the user id, name,
// email and interface are kept; nil and empty details are equal.
func sameEvents(t *testing.T, what string, got, want []access.Event) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: got %d events, want %d: %+v", what, len(got), len(want), got)
		return
	}
	for i := range got {
		g, w := got[i], want[i]
		w.Actor = access.Actor{UserID: w.Actor.UserID, UserName: w.Actor.UserName, Email: w.Actor.Email, Via: w.Actor.Via}
		g.At, w.At = normTime(g.At), normTime(w.At)
		if g.At.Location() != w.At.Location() {
			t.Errorf("%s: event %d: At in %v, want UTC", what, i, got[i].At.Location())
		}
		details := maps.Equal(g.Details, w.Details)
		g.Details, w.Details = nil, nil
		if fmt.Sprintf("%#v", g) != fmt.Sprintf("%#v", w) || !details {
			t.Errorf("%s: event %d:\n got  %+v\n want %+v", what, i, got[i], want[i])
		}
	}
}
