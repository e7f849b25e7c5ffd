package storetest

import (
	"crypto/ed25519"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/audit"
	"github.com/elevate/elevate/internal/store"
	"github.com/elevate/elevate/internal/workflow"
)

// testRetentionRequests: PrunableRequests offers only terminal requests
// last updated before the cutoff with nothing left to do in AWS, and
// DeleteRequests deletes them with their grants, approvals and
// notifications, re-checking each id, but never their log entries.
func testRetentionRequests(t *testing.T, s store.Store) {
	ctx := t.Context()
	old, cutoff, young := at(0), at(24*time.Hour), at(48*time.Hour)
	mk := func(id string, st access.Status, updated time.Time, grant access.GrantStatus) *access.Request {
		r := simpleRequest(id, "u-alice", st, old, "u-bob")
		r.UpdatedAt = updated
		r.Grants[0].Status = grant
		r.Approvals = []access.Approval{{UserID: "u-bob", UserName: "bob", Verdict: access.VerdictApprove, Comment: "ok", At: old}}
		return r
	}
	failing := mk("req-failing", access.StatusRevoked, old, access.GrantRevoking)
	failing.RevocationFailed = true
	creating := mk("req-creating", access.StatusFailed, old, access.GrantPending) // a create was sent
	creating.Grants[0].Origin = access.OriginCreated
	create(t, s,
		mk("req-ended", access.StatusEnded, old, access.GrantRevoked),
		mk("req-rejected", access.StatusRejected, old, access.GrantPending), // never created in AWS
		mk("req-failed", access.StatusFailed, old, access.GrantFailed),
		mk("req-active", access.StatusActive, old, access.GrantActive),
		mk("req-pending", access.StatusPending, old, access.GrantPending),
		mk("req-scheduled", access.StatusScheduled, old, access.GrantPending),
		mk("req-revoking", access.StatusRevoked, old, access.GrantRevoking),
		creating,
		failing,
		mk("req-young", access.StatusEnded, young, access.GrantRevoked),
	)
	inTx(t, s, func(tx store.Tx) error {
		for _, id := range []string{"req-ended", "req-active"} {
			n := access.Notification{ID: "ntf-" + id, RequestID: id, EventType: "request.submitted", Event: []byte(`{}`),
				Channel: "email", RecipientID: "u-bob", RecipientName: "bob", Status: access.NotificationSent, CreatedAt: old}
			if err := tx.InsertNotification(ctx, n); err != nil {
				return err
			}
			if err := tx.AppendEvent(ctx, access.Event{Type: access.EventSubmitted, RequestID: id, Actor: access.SystemActor, At: old}); err != nil {
				return err
			}
		}
		return nil
	})
	want := []string{"req-ended", "req-failed", "req-rejected"}
	var got []string
	readTx(t, s, func(tx store.Tx) (err error) {
		got, err = tx.PrunableRequests(ctx, cutoff, 0)
		return err
	})
	slices.Sort(got)
	sameStrings(t, "PrunableRequests", got, want)
	readTx(t, s, func(tx store.Tx) (err error) {
		got, err = tx.PrunableRequests(ctx, cutoff, 2)
		return err
	})
	if len(got) != 2 {
		t.Errorf("PrunableRequests(limit 2) = %v; want 2 ids", got)
	}

	// Every id is re-checked: active, pending, revoking and young requests
	// passed in by mistake stay.
	all := []string{"req-ended", "req-rejected", "req-failed", "req-active", "req-pending", "req-scheduled", "req-revoking", "req-failing", "req-creating", "req-young", "req-missing"}
	inTx(t, s, func(tx store.Tx) (err error) {
		got, err = tx.DeleteRequests(ctx, all, cutoff)
		return err
	})
	slices.Sort(got)
	sameStrings(t, "DeleteRequests", got, want)
	for _, id := range want {
		readTx(t, s, func(tx store.Tx) error {
			_, err := tx.FindRequestByID(ctx, id)
			wantErr(t, "FindRequestByID(deleted "+id+")", err, store.ErrNotFound)
			_, err = tx.FindRequestByGrantID(ctx, id+"-g")
			wantErr(t, "FindRequestByGrantID(deleted "+id+")", err, store.ErrNotFound)
			return nil
		})
	}
	for _, id := range []string{"req-active", "req-pending", "req-scheduled", "req-revoking", "req-failing", "req-creating", "req-young"} {
		if r := find(t, s, id); len(r.Grants) != 1 || len(r.Approvals) != 1 {
			t.Errorf("kept request %s lost its grants or approvals: %+v", id, r)
		}
	}
	readTx(t, s, func(tx store.Tx) error {
		_, err := tx.FindNotification(ctx, "ntf-req-ended")
		wantErr(t, "FindNotification(of a deleted request)", err, store.ErrNotFound)
		if _, err := tx.FindNotification(ctx, "ntf-req-active"); err != nil {
			t.Errorf("FindNotification(of a kept request): %v", err)
		}
		evs, err := tx.ListEvents(ctx, "req-ended")
		if err != nil || len(evs) != 1 {
			t.Errorf("ListEvents(deleted request) = %v, %v; want its entry kept in the chain", evs, err)
		}
		return nil
	})
	inTx(t, s, func(tx store.Tx) (err error) {
		got, err = tx.DeleteRequests(ctx, nil, cutoff)
		return err
	})
	if len(got) != 0 {
		t.Errorf("DeleteRequests(nil) = %v", got)
	}
}

// testRetentionAuditDelete: DeleteAuditThrough deletes the start of the
// log, and the next append continues the chain after the head.
func testRetentionAuditDelete(t *testing.T, s store.Store) {
	ctx := t.Context()
	auditEvents(t, s, 5)
	before := entries(t, s)
	var n int64
	inTx(t, s, func(tx store.Tx) (err error) {
		if err := tx.LockAudit(ctx); err != nil {
			return err
		}
		n, err = tx.DeleteAuditThrough(ctx, 3)
		return err
	})
	if n != 3 {
		t.Fatalf("DeleteAuditThrough(3) = %d; want 3", n)
	}
	inTx(t, s, func(tx store.Tx) error {
		return tx.AppendEvent(ctx, access.Event{Type: access.EventSubmitted, Actor: access.SystemActor, At: at(time.Hour)})
	})
	after := entries(t, s)
	if len(after) != 3 || after[0].Seq != 4 || after[2].Seq != 6 || !access.ChainEqual(after[2].PrevHash, before[4].Hash) {
		t.Fatalf("after deleting 1..3 and appending: %d entries starting at %d; want 4, 5, 6 linked to entry 5", len(after), after[0].Seq)
	}
}

// RunAuditPrune checks retention on an engine's decision log: pruning
// keeps the log verifiable from its signed pruning checkpoint, is audited,
// and leaves every kind of tampering detectable. open returns an empty,
// migrated store and a Tamperer on the same database. The subtests run in
// parallel, each on its own store.
func RunAuditPrune(t *testing.T, open func(t *testing.T) (store.Store, Tamperer)) {
	const n = 12 // entries at base + 0s ... 11s
	setup := func(t *testing.T) (store.Store, Tamperer, *workflow.AuditLog) {
		s, tm := open(t)
		_, key, _ := ed25519.GenerateKey(nil)
		auditEvents(t, s, n)
		return s, tm, newAuditLog(t, s, key, fixedClock(at(time.Hour)))
	}
	// prune deletes the entries older than base + 5s (entries 1 to 5) in
	// batches of 2: three pruning checkpoints.
	prune := func(t *testing.T, svc *workflow.AuditLog) audit.PruneReport {
		t.Helper()
		rep, err := svc.Prune(t.Context(), audit.PruneOptions{Retention: audit.Retention{Audit: time.Hour - 5*time.Second}, Batch: 2})
		if err != nil {
			t.Fatalf("Prune: %v", err)
		}
		if rep.AuditEntries != 5 || rep.AuditFirstSeq != 1 || rep.AuditLastSeq != 5 || len(rep.Checkpoints) != 3 {
			t.Fatalf("Prune = %+v; want entries 1 to 5 in 3 checkpoints", rep)
		}
		return rep
	}
	verify := func(t *testing.T, svc *workflow.AuditLog) audit.Report {
		t.Helper()
		rep, err := svc.Verify(t.Context(), nil)
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		return rep
	}
	want := func(t *testing.T, rep audit.Report, seq int64, kind string) {
		t.Helper()
		if rep.OK || rep.Problem == nil || rep.Problem.Seq != seq || rep.Problem.Kind != kind {
			t.Fatalf("Verify = %+v (problem %+v); want %s at seq %d", rep, rep.Problem, kind, seq)
		}
		t.Logf("verify: %v", rep.Problem)
	}
	t.Run("PruneThenVerify", func(t *testing.T) {
		t.Parallel()
		s, _, svc := setup(t)
		pre, err := svc.Checkpoint(t.Context(), audit.KindManual) // pins entry 12, before the pruning
		if err != nil {
			t.Fatal(err)
		}
		rep := prune(t, svc)
		es := entries(t, s)
		// 7 kept + one audit.pruned entry per batch.
		if len(es) != 7+3 || es[0].Seq != 6 {
			t.Fatalf("after pruning: %d entries from seq %d; want 10 from 6", len(es), es[0].Seq)
		}
		var pruned []access.AuditEntry
		for _, en := range es {
			if en.Event.Type == audit.EventAuditPruned {
				pruned = append(pruned, en)
			}
		}
		if len(pruned) != 3 {
			t.Fatalf("%d %s entries; want 3", len(pruned), audit.EventAuditPruned)
		}
		d := pruned[2].Event.Details
		if d["first_seq"] != "5" || d["last_seq"] != "5" || d["count"] != "1" || d["anchor_hash"] != rep.Checkpoints[2].Hash ||
			pruned[2].Event.Actor.Via != access.ViaSystem {
			t.Errorf("last %s entry = %+v; want entry 5 alone, anchored at %s, by the system", audit.EventAuditPruned, pruned[2].Event, rep.Checkpoints[2].Hash)
		}
		last := rep.Checkpoints[2]
		if last.Kind != audit.KindPrune || last.FirstSeq != 5 || last.Seq != 5 || last.Count != 5 || last.Hash != audit.ToJSON(access.Checkpoint{Hash: es[0].PrevHash}).Hash {
			t.Errorf("last pruning checkpoint = %+v; want entry 5 (count 5), whose hash is entry 6's prev_hash", last)
		}
		v := verify(t, svc)
		if !v.OK || v.FirstSeq != 6 || v.Entries != 10 || v.CheckpointsChecked != 4 {
			t.Fatalf("verify after pruning: %+v (problem %+v); want OK from seq 6, 10 entries, 4 checkpoints", v, v.Problem)
		}
		// A checkpoint written after the pruning counts the pruned entries too,
		// and one exported before it still checks.
		post, err := svc.Checkpoint(t.Context(), audit.KindManual)
		if err != nil {
			t.Fatal(err)
		}
		if post.Count != 15 || post.Seq != 15 {
			t.Errorf("checkpoint after pruning = seq %d count %d; want 15, 15", post.Seq, post.Count)
		}
		ext, err := svc.Verify(t.Context(), []access.Checkpoint{pre, post})
		if err != nil || !ext.OK {
			t.Fatalf("verify with exported checkpoints: %+v, %v", ext.Problem, err)
		}
		// Pruning again with nothing old enough is a no-op.
		again, err := svc.Prune(t.Context(), audit.PruneOptions{Retention: audit.Retention{Audit: time.Hour - 5*time.Second}})
		if err != nil || again.AuditEntries != 0 || len(again.Checkpoints) != 0 {
			t.Errorf("second Prune = %+v, %v; want nothing", again, err)
		}
	})
	t.Run("RequestsPrunedAndAudited", func(t *testing.T) {
		t.Parallel()
		s, _, svc := setup(t)
		ended := simpleRequest("req-old-ended", "u-alice", access.StatusEnded, at(0))
		ended.Grants[0].Status = access.GrantRevoked
		active := simpleRequest("req-old-active", "u-alice", access.StatusActive, at(0))
		active.Grants[0].Status = access.GrantActive
		recent := simpleRequest("req-recent", "u-alice", access.StatusCancelled, at(50*time.Minute))
		recent.Grants[0].Status = access.GrantRevoked
		create(t, s, ended, active, recent)
		o := audit.PruneOptions{Retention: audit.Retention{Requests: 30 * time.Minute}}
		o.DryRun = true
		if rep, err := svc.Prune(t.Context(), o); err != nil || rep.Requests != 1 {
			t.Fatalf("dry run = %+v, %v; want 1 request", rep, err)
		}
		find(t, s, "req-old-ended") // still there
		o.DryRun = false
		o.Actor = access.Actor{UserID: "u-op", UserName: "op", Via: access.ViaCLI}
		rep, err := svc.Prune(t.Context(), o)
		if err != nil || rep.Requests != 1 || rep.AuditEntries != 0 {
			t.Fatalf("Prune = %+v, %v; want 1 request and no audit entry", rep, err)
		}
		readTx(t, s, func(tx store.Tx) error {
			_, err := tx.FindRequestByID(t.Context(), "req-old-ended")
			wantErr(t, "FindRequestByID(pruned)", err, store.ErrNotFound)
			return nil
		})
		find(t, s, "req-old-active")
		find(t, s, "req-recent")
		es := entries(t, s)
		last := es[len(es)-1].Event
		if last.Type != audit.EventRequestsPruned || last.Details["request_ids"] != "req-old-ended" || last.Details["count"] != "1" || last.Actor.UserName != "op" {
			t.Fatalf("last entry = %+v; want %s of req-old-ended by op", last, audit.EventRequestsPruned)
		}
		if v := verify(t, svc); !v.OK {
			t.Fatalf("verify: %+v", v.Problem)
		}
	})
	t.Run("DryRunDeletesNothing", func(t *testing.T) {
		t.Parallel()
		s, _, svc := setup(t)
		rep, err := svc.Prune(t.Context(), audit.PruneOptions{Retention: audit.Retention{Audit: time.Hour - 5*time.Second}, DryRun: true})
		if err != nil || rep.AuditEntries != 5 || rep.AuditLastSeq != 5 || len(rep.Checkpoints) != 0 {
			t.Fatalf("dry run = %+v, %v; want 5 entries through seq 5 and no checkpoint", rep, err)
		}
		if es := entries(t, s); len(es) != n {
			t.Fatalf("dry run left %d entries; want %d", len(es), n)
		}
		if cps, _ := svc.Checkpoints(t.Context()); len(cps) != 0 {
			t.Fatalf("dry run wrote %d checkpoints", len(cps))
		}
	})
	t.Run("NeverTheHead", func(t *testing.T) {
		t.Parallel()
		s, _, svc := setup(t)
		rep, err := svc.Prune(t.Context(), audit.PruneOptions{Retention: audit.Retention{Audit: time.Second}})
		if err != nil || rep.AuditLastSeq != n-1 || len(rep.Checkpoints) != 1 {
			t.Fatalf("Prune(everything old) = %+v, %v; want entries 1 to %d in one checkpoint, keeping the head", rep, err, n-1)
		}
		if es := entries(t, s); len(es) != 2 || es[0].Seq != n || es[1].Event.Type != audit.EventAuditPruned {
			t.Fatalf("entries after pruning all: %+v; want the old head and the %s entry", es, audit.EventAuditPruned)
		}
		if v := verify(t, svc); !v.OK {
			t.Fatalf("verify: %+v", v.Problem)
		}
	})
	t.Run("TamperFirstRemaining", func(t *testing.T) {
		t.Parallel()
		_, tm, svc := setup(t)
		prune(t, svc)
		if err := tm.Edit(6, "actor_name"); err != nil {
			t.Fatal(err)
		}
		want(t, verify(t, svc), 6, audit.ProblemEdited)
	})
	t.Run("RelinkFirstRemaining", func(t *testing.T) {
		t.Parallel()
		_, tm, svc := setup(t)
		prune(t, svc)
		if err := tm.Edit(6, "prev_hash"); err != nil {
			t.Fatal(err)
		}
		want(t, verify(t, svc), 6, audit.ProblemEdited)
	})
	t.Run("DeleteAfterAnchor", func(t *testing.T) {
		t.Parallel()
		_, tm, svc := setup(t)
		prune(t, svc)
		if err := tm.Delete(6); err != nil {
			t.Fatal(err)
		}
		want(t, verify(t, svc), 6, audit.ProblemDeleted)
	})
	t.Run("DeleteHeadWithoutCheckpoint", func(t *testing.T) {
		t.Parallel()
		_, tm, svc := setup(t)
		for seq := int64(1); seq <= 3; seq++ {
			if err := tm.Delete(seq); err != nil {
				t.Fatal(err)
			}
		}
		want(t, verify(t, svc), 1, audit.ProblemDeleted)
	})
	t.Run("PruningCheckpointDeleted", func(t *testing.T) {
		t.Parallel()
		_, tm, svc := setup(t)
		prune(t, svc)
		if err := tm.DeleteCheckpoints(); err != nil {
			t.Fatal(err)
		}
		want(t, verify(t, svc), 1, audit.ProblemDeleted)
	})
	t.Run("PruningCheckpointEdited", func(t *testing.T) {
		t.Parallel()
		_, tm, svc := setup(t)
		prune(t, svc)
		if err := tm.EditCheckpointCount(); err != nil {
			t.Fatal(err)
		}
		rep := verify(t, svc)
		if rep.OK || rep.Problem.Kind != audit.ProblemCheckpoint {
			t.Fatalf("verify = %+v; want a bad checkpoint", rep.Problem)
		}
	})
	t.Run("ForgedAnchor", func(t *testing.T) {
		t.Parallel()
		// Someone deletes entries 6 to 8 and stores a pruning checkpoint
		// that makes entry 9 the start, signed with a key of their own.
		s, tm, svc := setup(t)
		prune(t, svc)
		es := entries(t, s)
		for seq := int64(6); seq <= 8; seq++ {
			if err := tm.Delete(seq); err != nil {
				t.Fatal(err)
			}
		}
		_, forger, _ := ed25519.GenerateKey(nil)
		c := access.Checkpoint{Seq: 8, Hash: es[2].Hash, Count: 8, FirstSeq: 6, Kind: audit.KindPrune, At: at(time.Hour)}
		audit.Sign(&c, forger)
		inTx(t, s, func(tx store.Tx) error { return tx.AddCheckpoint(t.Context(), &c) })
		rep := verify(t, svc)
		if rep.OK || rep.Problem.Kind != audit.ProblemCheckpoint || !strings.Contains(rep.Problem.Message, "not the configured audit signing key") {
			t.Fatalf("verify = %+v; want the forged checkpoint named", rep.Problem)
		}
		t.Logf("verify: %v", rep.Problem)
	})
	t.Run("AnchorHashSwapped", func(t *testing.T) {
		t.Parallel()
		// A pruning checkpoint whose anchor was changed no longer matches
		// its signature, even when signed by the right key's owner earlier.
		s, _, svc := setup(t)
		rep := prune(t, svc)
		cps, err := svc.Checkpoints(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		c := cps[len(cps)-1]
		c.Hash = entries(t, s)[1].Hash // entry 7 as the anchor, old signature
		c.Seq, c.Count = 6, 6
		inTx(t, s, func(tx store.Tx) error { return tx.AddCheckpoint(t.Context(), &c) })
		v := verify(t, svc)
		if v.OK || v.Problem.Kind != audit.ProblemCheckpoint {
			t.Fatalf("verify = %+v; want a bad checkpoint (pruned %+v)", v.Problem, rep)
		}
	})
}

// fixedClock always tells the same time.
type fixedClock time.Time

func (c fixedClock) Now() time.Time { return time.Time(c) }

// newAuditLog is the decision log's use cases on s, signing with key and
// telling time with clock (nil: the system clock).
func newAuditLog(t *testing.T, s store.Store, key ed25519.PrivateKey, clock workflow.Clock) *workflow.AuditLog {
	t.Helper()
	l, err := workflow.NewAuditLog(workflow.AuditLogDeps{Store: s, Key: key, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	return l
}
