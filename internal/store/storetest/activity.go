package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// testActivity: session activity is created pending for an
// existing grant only; a fetch stores its window and events (read back
// oldest first, every field, read-only flag true/false/unknown); a failed
// attempt keeps the events; a new pending mark keeps them too; the next
// fetch replaces them; each request sees only its own grants' activity.
func testActivity(t *testing.T, s store.Store) {
	ctx := t.Context()
	r1 := simpleRequest("req-act1", "u-alice", access.StatusActive, at(0))
	r2 := simpleRequest("req-act2", "u-bob", access.StatusActive, at(time.Minute))
	create(t, s, r1, r2)
	yes, no := true, false
	evA := access.ActivityEvent{EventID: "ev-a", Time: at(10 * time.Minute), Source: "s3.amazonaws.com", Name: "ListBuckets",
		Region: "eu-west-1", SourceIP: "198.51.100.7", ErrorCode: "AccessDenied", Principal: "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_ReadOnly_0123/alice",
		UserAgent: "aws-cli/2.17.0", RequestID: "rq-1", ReadOnly: &yes, Raw: `{"eventName":"ListBuckets"}`}
	evB := access.ActivityEvent{EventID: "ev-b", Time: at(5 * time.Minute), Source: "ec2.amazonaws.com", Name: "TerminateInstances",
		ReadOnly: &no, Raw: `{}`}
	evC := access.ActivityEvent{EventID: "ev-c", Time: at(5 * time.Minute), Source: "sts.amazonaws.com", Name: "AssumeRoleWithSAML"}

	err := s.InTx(ctx, func(tx store.Tx) error { return tx.MarkActivityPending(ctx, "req-act1", "no-such-grant", at(0)) })
	wantErr(t, "MarkActivityPending of an unknown grant", err, store.ErrNotFound)
	err = s.InTx(ctx, func(tx store.Tx) error { return tx.MarkActivityPending(ctx, "req-act2", "req-act1-g", at(0)) })
	wantErr(t, "MarkActivityPending with another request's id", err, store.ErrNotFound)
	err = s.InTx(ctx, func(tx store.Tx) error {
		return tx.PutActivityError(ctx, access.GrantActivity{GrantID: "req-act1-g", Status: access.ActivityFailed, Error: "x"})
	})
	wantErr(t, "PutActivityError without a row", err, store.ErrNotFound)

	inTx(t, s, func(tx store.Tx) error {
		if err := tx.MarkActivityPending(ctx, "req-act1", "req-act1-g", at(20*time.Minute)); err != nil {
			return err
		}
		return tx.MarkActivityPending(ctx, "req-act2", "req-act2-g", at(21*time.Minute))
	})
	list := func(id string) []access.GrantActivity {
		t.Helper()
		var out []access.GrantActivity
		readTx(t, s, func(tx store.Tx) (err error) {
			out, err = tx.ListActivity(ctx, id)
			return err
		})
		return out
	}
	want := access.GrantActivity{GrantID: "req-act1-g", RequestID: "req-act1", Status: access.ActivityPending, RequestedAt: at(20 * time.Minute)}
	if got := list("req-act1"); !reflect.DeepEqual(got, []access.GrantActivity{want}) {
		t.Fatalf("ListActivity after MarkActivityPending:\n got  %+v\n want %+v", got, want)
	}

	inTx(t, s, func(tx store.Tx) error {
		return tx.PutActivityEvents(ctx, access.GrantActivity{GrantID: "req-act1-g", Attempts: 2, FetchedAt: at(30 * time.Minute),
			WindowStart: at(time.Minute), WindowEnd: at(25 * time.Minute), Events: []access.ActivityEvent{evA, evB, evC}})
	})
	want.Status, want.Attempts, want.FetchedAt, want.WindowStart, want.WindowEnd = access.ActivityFetched, 2, at(30*time.Minute), at(time.Minute), at(25*time.Minute)
	want.Events = []access.ActivityEvent{evB, evC, evA} // by time, then event id
	if got := list("req-act1"); !reflect.DeepEqual(got, []access.GrantActivity{want}) {
		t.Fatalf("ListActivity after PutActivityEvents:\n got  %+v\n want %+v", got, []access.GrantActivity{want})
	}
	if got := list("req-act2"); len(got) != 1 || got[0].GrantID != "req-act2-g" || len(got[0].Events) != 0 {
		t.Errorf("ListActivity of the other request = %+v, want only its own pending grant without events", got)
	}
	if got := list("req-none"); len(got) != 0 {
		t.Errorf("ListActivity of an unknown request = %+v, want none", got)
	}

	// A failed attempt and a new pending mark keep the events.
	inTx(t, s, func(tx store.Tx) error {
		return tx.PutActivityError(ctx, access.GrantActivity{GrantID: "req-act1-g", Status: access.ActivityFailed, Error: "query FAILED", Attempts: 3})
	})
	got := list("req-act1")
	if len(got) != 1 || got[0].Status != access.ActivityFailed || got[0].Error != "query FAILED" || got[0].Attempts != 3 || len(got[0].Events) != 3 {
		t.Errorf("after PutActivityError: %+v, want failed, the error, 3 attempts, 3 events kept", got)
	}
	inTx(t, s, func(tx store.Tx) error {
		return tx.MarkActivityPending(ctx, "req-act1", "req-act1-g", at(40*time.Minute))
	})
	got = list("req-act1")
	if len(got) != 1 || got[0].Status != access.ActivityPending || got[0].Error != "" || got[0].Attempts != 0 ||
		!got[0].RequestedAt.Equal(at(40*time.Minute)) || !got[0].FetchedAt.Equal(at(30*time.Minute)) || len(got[0].Events) != 3 {
		t.Errorf("after a new MarkActivityPending: %+v, want pending, no error, requested at +40m, fetched at +30m, events kept", got)
	}
	// The next fetch replaces the events.
	inTx(t, s, func(tx store.Tx) error {
		return tx.PutActivityEvents(ctx, access.GrantActivity{GrantID: "req-act1-g", Attempts: 1, FetchedAt: at(50 * time.Minute),
			WindowStart: at(time.Minute), WindowEnd: at(45 * time.Minute), Events: []access.ActivityEvent{evA}})
	})
	got = list("req-act1")
	if len(got) != 1 || got[0].Status != access.ActivityFetched || len(got[0].Events) != 1 || !reflect.DeepEqual(got[0].Events[0], evA) {
		t.Errorf("after a second PutActivityEvents: %+v, want fetched with only ev-a", got)
	}
}

// testActivityRetention: CountActivityBefore and DeleteActivityBefore see
// only activity fetched before the cutoff (never a pending one that was
// not fetched), delete oldest first within the limit with their events,
// and deleting a request deletes its activity.
func testActivityRetention(t *testing.T, s store.Store) {
	ctx := t.Context()
	var rs []*access.Request
	for i, id := range []string{"req-old1", "req-old2", "req-new", "req-unfetched"} {
		rs = append(rs, simpleRequest(id, "u-alice", access.StatusEnded, at(time.Duration(i)*time.Minute)))
	}
	create(t, s, rs...)
	fetched := map[string]time.Time{"req-old1": at(time.Hour), "req-old2": at(2 * time.Hour), "req-new": at(10 * time.Hour)}
	inTx(t, s, func(tx store.Tx) error {
		for _, r := range rs {
			if err := tx.MarkActivityPending(ctx, r.ID, r.ID+"-g", at(0)); err != nil {
				return err
			}
			if f, ok := fetched[r.ID]; ok {
				if err := tx.PutActivityEvents(ctx, access.GrantActivity{GrantID: r.ID + "-g", FetchedAt: f,
					Events: []access.ActivityEvent{{EventID: "e1", Time: at(0), Name: "ListBuckets"}}}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	cutoff := at(5 * time.Hour)
	readTx(t, s, func(tx store.Tx) error {
		n, err := tx.CountActivityBefore(ctx, cutoff)
		if err != nil {
			return err
		}
		if n != 2 {
			t.Errorf("CountActivityBefore = %d, want 2", n)
		}
		return nil
	})
	inTx(t, s, func(tx store.Tx) error {
		n, err := tx.DeleteActivityBefore(ctx, cutoff, 1)
		if err != nil {
			return err
		}
		if n != 1 {
			t.Errorf("DeleteActivityBefore limit 1 = %d, want 1", n)
		}
		return nil
	})
	has := func(id string) bool {
		var got []access.GrantActivity
		readTx(t, s, func(tx store.Tx) (err error) {
			got, err = tx.ListActivity(ctx, id)
			return err
		})
		return len(got) > 0
	}
	if has("req-old1") || !has("req-old2") {
		t.Errorf("after deleting 1: old1 kept %v, old2 kept %v; want the oldest (old1) deleted first", has("req-old1"), has("req-old2"))
	}
	inTx(t, s, func(tx store.Tx) error {
		n, err := tx.DeleteActivityBefore(ctx, cutoff, 0)
		if err == nil && n != 1 {
			t.Errorf("DeleteActivityBefore without limit = %d, want 1", n)
		}
		return err
	})
	if has("req-old2") || !has("req-new") || !has("req-unfetched") {
		t.Errorf("after deleting all before the cutoff: old2 %v, new %v, unfetched %v; want false, true, true",
			has("req-old2"), has("req-new"), has("req-unfetched"))
	}
	inTx(t, s, func(tx store.Tx) error {
		_, err := tx.DeleteRequests(ctx, []string{"req-new"}, at(100*time.Hour))
		return err
	})
	if has("req-new") {
		t.Error("a deleted request's activity is still listed")
	}
}
