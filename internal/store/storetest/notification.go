package storetest

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/store"
)

// testNotifications checks the notification records: round trip,
// delivery updates, filters and order, and the Slack messages kept per
// approver.
func testNotifications(t *testing.T, s store.Store) {
	ctx := t.Context()
	mk := func(id, req, channel, recipient string, created time.Duration) store.Notification {
		return store.Notification{ID: id, RequestID: req, EventType: "request.submitted", Event: []byte(`{"type":"request.submitted"}`),
			Channel: channel, RecipientID: recipient, RecipientName: "name-" + recipient, Subject: "subject " + id,
			Status: store.NotificationPending, NotBefore: at(created), CreatedAt: at(created)}
	}
	a := mk("ntf-a", "req-1", "slack", "u-bob", 0)
	b := mk("ntf-b", "req-1", "email", "u-carol", time.Second)
	c := mk("ntf-c", "req-2", "webhook", "", 2*time.Second)
	c.NotBefore = time.Time{}
	inTx(t, s, func(tx store.Tx) error {
		for _, n := range []store.Notification{a, b, c} {
			if err := tx.InsertNotification(ctx, n); err != nil {
				return err
			}
		}
		return nil
	})
	err := s.InTx(ctx, func(tx store.Tx) error { return tx.InsertNotification(ctx, a) })
	wantErr(t, "InsertNotification(duplicate id)", err, store.ErrConflict)

	same := func(name string, got, want store.Notification) {
		t.Helper()
		var ge, we any
		if err := json.Unmarshal(got.Event, &ge); err != nil {
			t.Errorf("%s: event %q: %v", name, got.Event, err)
		}
		_ = json.Unmarshal(want.Event, &we)
		if !reflect.DeepEqual(ge, we) {
			t.Errorf("%s: event %s, want %s", name, got.Event, want.Event)
		}
		got.Event, want.Event = nil, nil
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got  %+v\n want %+v", name, got, want)
		}
	}
	readTx(t, s, func(tx store.Tx) error {
		got, err := tx.FindNotification(ctx, "ntf-c")
		if err != nil {
			return err
		}
		same("FindNotification", got, c)
		_, err = tx.FindNotification(ctx, "ntf-none")
		wantErr(t, "FindNotification(unknown)", err, store.ErrNotFound)
		return nil
	})

	a.Status, a.Attempts, a.LastError, a.Final = store.NotificationFailed, 3, "slack: 500", true
	b.Status, b.Attempts, b.SentAt = store.NotificationSent, 1, at(time.Minute)
	inTx(t, s, func(tx store.Tx) error {
		if err := tx.UpdateNotification(ctx, a); err != nil {
			return err
		}
		return tx.UpdateNotification(ctx, b)
	})
	err = s.InTx(ctx, func(tx store.Tx) error { return tx.UpdateNotification(ctx, store.Notification{ID: "ntf-none"}) })
	wantErr(t, "UpdateNotification(unknown)", err, store.ErrNotFound)

	ids := func(ns []store.Notification) []string {
		out := []string{}
		for _, n := range ns {
			out = append(out, n.ID)
		}
		return out
	}
	readTx(t, s, func(tx store.Tx) error {
		for _, tc := range []struct {
			f    store.NotificationFilter
			want []string
		}{
			{store.NotificationFilter{}, []string{"ntf-c", "ntf-b", "ntf-a"}},
			{store.NotificationFilter{Status: store.NotificationFailed}, []string{"ntf-a"}},
			{store.NotificationFilter{RequestID: "req-1"}, []string{"ntf-b", "ntf-a"}},
			{store.NotificationFilter{RecipientID: "u-carol"}, []string{"ntf-b"}},
			{store.NotificationFilter{RequestID: "req-1", Status: store.NotificationPending}, []string{}},
			{store.NotificationFilter{Limit: 1}, []string{"ntf-c"}},
		} {
			got, err := tx.ListNotifications(ctx, tc.f)
			if err != nil {
				return err
			}
			if !reflect.DeepEqual(ids(got), tc.want) {
				t.Errorf("ListNotifications(%+v) = %v, want %v", tc.f, ids(got), tc.want)
			}
		}
		got, err := tx.FindNotification(ctx, "ntf-a")
		if err != nil {
			return err
		}
		same("after update", got, a)
		got, err = tx.FindNotification(ctx, "ntf-b")
		if err != nil {
			return err
		}
		same("after update", got, b)
		return nil
	})

	inTx(t, s, func(tx store.Tx) error {
		for _, m := range []store.SlackMessage{
			{RequestID: "req-1", UserID: "u-carol", Channel: "D2", TS: "1.000"},
			{RequestID: "req-1", UserID: "u-bob", Channel: "D1", TS: "1.000"},
			{RequestID: "req-2", UserID: "u-bob", Channel: "D1", TS: "2.000"},
			{RequestID: "req-1", UserID: "u-bob", Channel: "D1", TS: "3.000"}, // replaces
		} {
			if err := tx.PutSlackMessage(ctx, m); err != nil {
				return err
			}
		}
		return nil
	})
	readTx(t, s, func(tx store.Tx) error {
		got, err := tx.ListSlackMessages(ctx, "req-1")
		if err != nil {
			return err
		}
		want := []store.SlackMessage{{RequestID: "req-1", UserID: "u-bob", Channel: "D1", TS: "3.000"},
			{RequestID: "req-1", UserID: "u-carol", Channel: "D2", TS: "1.000"}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("ListSlackMessages = %+v, want %+v", got, want)
		}
		none, err := tx.ListSlackMessages(ctx, "req-none")
		if err != nil {
			return err
		}
		if len(none) != 0 {
			t.Errorf("ListSlackMessages(unknown) = %+v", none)
		}
		return nil
	})
}
