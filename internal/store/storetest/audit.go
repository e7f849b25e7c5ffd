package storetest

import (
	"crypto/ed25519"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/audit"
	"github.com/elevate/elevate/internal/store"
	"github.com/elevate/elevate/internal/workflow"
)

// auditEvents appends n events, one per transaction, with varied actors and
// details, and returns them.
func auditEvents(t *testing.T, s store.Store, n int) []access.Event {
	t.Helper()
	actors := []access.Actor{
		{UserID: "u-alice", UserName: "alice", Email: "alice@example.com", Via: access.ViaCLI},
		{UserID: "u-bob", UserName: "bob", Email: "bob@example.com", Via: access.ViaAPI},
		access.SystemActor,
	}
	var evs []access.Event
	for i := range n {
		e := access.Event{Type: access.EventApproved, RequestID: fmt.Sprintf("req_%d", i/3), Actor: actors[i%len(actors)],
			At: at(time.Duration(i) * time.Second), Details: map[string]string{"n": fmt.Sprint(i), "quote": `"x", 'y'`}}
		if i%4 == 0 {
			e.GrantID, e.Details = fmt.Sprintf("grt_%d", i), nil
		}
		evs = append(evs, e)
		inTx(t, s, func(tx store.Tx) error { return tx.AppendEvent(t.Context(), e) })
	}
	return evs
}

// entries reads the whole chain.
func entries(t *testing.T, s store.Store) []access.AuditEntry {
	t.Helper()
	var out []access.AuditEntry
	readTx(t, s, func(tx store.Tx) error {
		return tx.ScanAudit(t.Context(), 0, 0, func(en access.AuditEntry) error {
			out = append(out, en)
			return nil
		})
	})
	return out
}

// testAuditChain: AppendEvent links every entry to the one before with
// seq, prev_hash and hash as package audit defines them, and ScanAudit
// pages by seq.
func testAuditChain(t *testing.T, s store.Store) {
	evs := auditEvents(t, s, 7)
	got := entries(t, s)
	if len(got) != len(evs) {
		t.Fatalf("%d entries, want %d", len(got), len(evs))
	}
	prev := access.ChainGenesis
	for i, en := range got {
		if en.Seq != int64(i+1) {
			t.Errorf("entry %d: seq %d, want %d", i, en.Seq, i+1)
		}
		if !access.ChainEqual(en.PrevHash, prev) {
			t.Errorf("entry %d: prev_hash %x, want %x", en.Seq, en.PrevHash, prev)
		}
		details, err := access.CanonicalDetails(evs[i].Details)
		if err != nil {
			t.Fatal(err)
		}
		if en.Version != access.ChainV2 || en.StoredDetails != details {
			t.Errorf("entry %d: version %d, stored details %s; want version 2 and the canonical %s", en.Seq, en.Version, en.StoredDetails, details)
		}
		if want := access.ChainHashV2(prev, en.Seq, evs[i], details); !access.ChainEqual(en.Hash, want) {
			t.Errorf("entry %d: hash %x, want %x (over the appended event)", en.Seq, en.Hash, want)
		}
		if en.Event.Actor.UserName != evs[i].Actor.UserName || en.Event.Type != evs[i].Type || !en.Event.At.Equal(evs[i].At) {
			t.Errorf("entry %d: event %+v, want %+v", en.Seq, en.Event, evs[i])
		}
		prev = en.Hash
	}
	var page []int64
	readTx(t, s, func(tx store.Tx) error {
		return tx.ScanAudit(t.Context(), 2, 3, func(en access.AuditEntry) error {
			page = append(page, en.Seq)
			return nil
		})
	})
	if fmt.Sprint(page) != "[3 4 5]" {
		t.Errorf("ScanAudit(after 2, limit 3) = %v, want [3 4 5]", page)
	}
	readTx(t, s, func(tx store.Tx) error {
		head, n, err := tx.AuditHead(t.Context())
		if err != nil {
			return err
		}
		if head.Seq != 7 || n != 7 || !access.ChainEqual(head.Hash, got[6].Hash) {
			t.Errorf("AuditHead = seq %d, count %d; want 7, 7", head.Seq, n)
		}
		return nil
	})
	rep, err := workflow.VerifyAuditLog(t.Context(), s, audit.VerifyOptions{})
	if err != nil || !rep.OK || rep.Entries != 7 || rep.LastSeq != 7 {
		t.Errorf("Verify = %+v, %v; want OK over 7 entries", rep, err)
	}
}

// testAuditChainConcurrent: appenders in concurrent transactions never fork
// the chain (same prev_hash twice) and leave no gap in seq.
func testAuditChainConcurrent(t *testing.T, s store.Store) {
	const writers, each = 4, 15
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				e := access.Event{Type: access.EventSubmitted, RequestID: fmt.Sprintf("req_%d_%d", w, i), Actor: access.SystemActor, At: at(time.Duration(i) * time.Millisecond)}
				var err error
				for range 20 { // a conflict is retried, as the workflow does
					if err = s.InTx(t.Context(), func(tx store.Tx) error { return tx.AppendEvent(t.Context(), e) }); err == nil {
						break
					}
				}
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent append: %v", err)
	}
	got := entries(t, s)
	if len(got) != writers*each {
		t.Fatalf("%d entries, want %d", len(got), writers*each)
	}
	seen := map[string]bool{}
	for i, en := range got {
		if en.Seq != int64(i+1) {
			t.Fatalf("entry %d has seq %d: a gap", i+1, en.Seq)
		}
		if seen[string(en.PrevHash)] {
			t.Fatalf("entry %d: another entry has the same prev_hash: the chain forked", en.Seq)
		}
		seen[string(en.PrevHash)] = true
	}
	rep, err := workflow.VerifyAuditLog(t.Context(), s, audit.VerifyOptions{})
	if err != nil || !rep.OK {
		t.Fatalf("Verify = %+v, %v", rep, err)
	}
}

// testAuditCheckpoints: checkpoints round-trip, and Verify checks them.
func testAuditCheckpoints(t *testing.T, s store.Store) {
	_, key, _ := ed25519.GenerateKey(nil)
	svc := newAuditLog(t, s, key, nil)
	empty, err := svc.Checkpoint(t.Context(), audit.KindManual)
	if err != nil {
		t.Fatal(err)
	}
	if empty.Seq != 0 || empty.Count != 0 || !access.ChainEqual(empty.Hash, access.ChainGenesis) {
		t.Errorf("checkpoint of an empty log: %+v", empty)
	}
	auditEvents(t, s, 5)
	c, err := svc.Checkpoint(t.Context(), audit.KindPeriodic)
	if err != nil {
		t.Fatal(err)
	}
	got, err := svc.Checkpoints(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1].ID != c.ID || got[1].Seq != 5 || got[1].Count != 5 || got[1].Kind != audit.KindPeriodic ||
		!got[1].At.Equal(c.At) || !access.ChainEqual(got[1].Hash, entries(t, s)[4].Hash) {
		t.Fatalf("checkpoints %+v, want the second at seq 5 like %+v", got, c)
	}
	if err := audit.CheckSignature(got[1], []ed25519.PublicKey{svc.PublicKey()}); err != nil {
		t.Errorf("stored checkpoint's signature: %v", err)
	}
	_, other, _ := ed25519.GenerateKey(nil)
	if err := audit.CheckSignature(got[1], []ed25519.PublicKey{other.Public().(ed25519.PublicKey)}); err == nil {
		t.Error("a checkpoint signed by another key was trusted")
	}
	rep, err := svc.Verify(t.Context(), nil)
	if err != nil || !rep.OK || rep.CheckpointsChecked != 2 {
		t.Errorf("Verify = %+v, %v; want OK with 2 checkpoints", rep, err)
	}
}

// Tamperer changes an engine's stored log behind the store's back, as an
// attacker with database access would.
type Tamperer interface {
	// Edit changes column of entry seq to another value of its type.
	Edit(seq int64, column string) error
	// Delete removes entry seq.
	Delete(seq int64) error
	// Swap exchanges the positions of entries a and b.
	Swap(a, b int64) error
	// TruncateAfter removes every entry after seq.
	TruncateAfter(seq int64) error
	// DeleteCheckpoints removes every stored checkpoint.
	DeleteCheckpoints() error
	// EditCheckpointCount changes the count of every stored checkpoint.
	EditCheckpointCount() error
	// SetChain sets the chain version, prev_hash and hash of entry seq.
	SetChain(seq int64, version int, prev, hash []byte) error
}

// rechain rewrites the chain of s as if each entry had been appended
// under chain version versionOf(seq): a log written before version 2, or
// one that an upgrade left mixed.
func rechain(t *testing.T, s store.Store, tm Tamperer, versionOf func(seq int64) int) {
	t.Helper()
	prev := access.ChainGenesis
	for _, en := range entries(t, s) {
		var h []byte
		switch ver := versionOf(en.Seq); ver {
		case access.ChainV1:
			h = access.ChainHash(prev, en.Seq, en.Event)
		default:
			h = access.ChainHashV2(prev, en.Seq, en.Event, en.StoredDetails)
		}
		if err := tm.SetChain(en.Seq, versionOf(en.Seq), prev, h); err != nil {
			t.Fatal(err)
		}
		prev = h
	}
}

// auditChains are the chains RunAuditTamper tampers with: as AppendEvent
// writes them (version 2), as written before version 2, and mixed (an
// upgrade in the middle of the log).
var auditChains = []struct {
	name      string
	versionOf func(seq int64) int
}{
	{"V2", nil},
	{"V1", func(int64) int { return access.ChainV1 }},
	{"Mixed", func(seq int64) int { return access.ChainV1 + int(seq%2) }},
}

// AuditColumns are the columns of an entry that Edit must support.
var AuditColumns = []string{"at", "type", "request_id", "grant_id", "actor_user_id", "actor_name", "actor_email", "actor_via", "details", "prev_hash", "hash"}

// RunAuditTamper checks that the audit log's Verify finds and names every kind of
// tampering with an engine's log. open returns an empty, migrated store and
// a Tamperer on the same database. The subtests run in parallel, each on
// its own store.
func RunAuditTamper(t *testing.T, open func(t *testing.T) (store.Store, Tamperer)) {
	for _, chain := range auditChains {
		t.Run(chain.name, func(t *testing.T) {
			t.Parallel()
			runAuditTamper(t, open, chain.versionOf)
		})
	}
}

func runAuditTamper(t *testing.T, open func(t *testing.T) (store.Store, Tamperer), versionOf func(int64) int) {
	const n = 10
	setup := func(t *testing.T) (store.Store, Tamperer, *workflow.AuditLog) {
		s, tm := open(t)
		_, key, _ := ed25519.GenerateKey(nil)
		auditEvents(t, s, n)
		if versionOf != nil {
			rechain(t, s, tm, versionOf)
		}
		return s, tm, newAuditLog(t, s, key, nil)
	}
	verify := func(t *testing.T, svc *workflow.AuditLog, ext []access.Checkpoint) audit.Report {
		t.Helper()
		rep, err := svc.Verify(t.Context(), ext)
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
	t.Run("Untouched", func(t *testing.T) {
		t.Parallel()
		s, _, svc := setup(t)
		if _, err := svc.Checkpoint(t.Context(), audit.KindManual); err != nil {
			t.Fatal(err)
		}
		rep := verify(t, svc, nil)
		if !rep.OK || rep.Entries != n || rep.CheckpointsChecked != 1 || rep.HeadHash == "" {
			t.Fatalf("untouched log: %+v", rep)
		}
		_ = s
	})
	for _, col := range AuditColumns {
		t.Run("Edit_"+col, func(t *testing.T) {
			t.Parallel()
			_, tm, svc := setup(t)
			if err := tm.Edit(6, col); err != nil {
				t.Fatal(err)
			}
			want(t, verify(t, svc, nil), 6, audit.ProblemEdited)
		})
	}
	t.Run("EditFirst", func(t *testing.T) {
		t.Parallel()
		_, tm, svc := setup(t)
		if err := tm.Edit(1, "actor_name"); err != nil {
			t.Fatal(err)
		}
		want(t, verify(t, svc, nil), 1, audit.ProblemEdited)
	})
	t.Run("DeleteMiddle", func(t *testing.T) {
		t.Parallel()
		_, tm, svc := setup(t)
		if err := tm.Delete(4); err != nil {
			t.Fatal(err)
		}
		want(t, verify(t, svc, nil), 4, audit.ProblemDeleted)
	})
	t.Run("DeleteFirst", func(t *testing.T) {
		t.Parallel()
		_, tm, svc := setup(t)
		if err := tm.Delete(1); err != nil {
			t.Fatal(err)
		}
		want(t, verify(t, svc, nil), 1, audit.ProblemDeleted)
	})
	t.Run("Swap", func(t *testing.T) {
		t.Parallel()
		_, tm, svc := setup(t)
		if err := tm.Swap(3, 7); err != nil {
			t.Fatal(err)
		}
		want(t, verify(t, svc, nil), 3, audit.ProblemReordered)
	})
	t.Run("SwapAdjacent", func(t *testing.T) {
		t.Parallel()
		_, tm, svc := setup(t)
		if err := tm.Swap(8, 9); err != nil {
			t.Fatal(err)
		}
		want(t, verify(t, svc, nil), 8, audit.ProblemReordered)
	})
	t.Run("TruncateAgainstStoredCheckpoint", func(t *testing.T) {
		t.Parallel()
		_, tm, svc := setup(t)
		if _, err := svc.Checkpoint(t.Context(), audit.KindPeriodic); err != nil {
			t.Fatal(err)
		}
		if err := tm.TruncateAfter(7); err != nil {
			t.Fatal(err)
		}
		want(t, verify(t, svc, nil), 8, audit.ProblemTruncated)
	})
	t.Run("TruncateAgainstExportedCheckpoint", func(t *testing.T) {
		t.Parallel()
		_, tm, svc := setup(t)
		c, err := svc.Checkpoint(t.Context(), audit.KindManual)
		if err != nil {
			t.Fatal(err)
		}
		exported, err := audit.FromJSON(audit.ToJSON(c)) // as written to and read from a file
		if err != nil {
			t.Fatal(err)
		}
		if err := tm.TruncateAfter(6); err != nil {
			t.Fatal(err)
		}
		if err := tm.DeleteCheckpoints(); err != nil {
			t.Fatal(err)
		}
		if rep := verify(t, svc, nil); !rep.OK {
			t.Fatalf("a cleanly truncated log with its checkpoints deleted: %+v; want OK (only an exported checkpoint can tell)", rep)
		}
		want(t, verify(t, svc, []access.Checkpoint{exported}), 7, audit.ProblemTruncated)
	})
	t.Run("CheckpointForged", func(t *testing.T) {
		t.Parallel()
		_, tm, svc := setup(t)
		if _, err := svc.Checkpoint(t.Context(), audit.KindManual); err != nil {
			t.Fatal(err)
		}
		if err := tm.EditCheckpointCount(); err != nil {
			t.Fatal(err)
		}
		want(t, verify(t, svc, nil), n, audit.ProblemCheckpoint)
	})
}

// testAuditStoredDetails: details with every kind of character are stored
// in their canonical form exactly (on PostgreSQL, jsonb prints them back
// byte for byte), so the verification hashes what it reads; an entry whose
// text holds the separator the stored scan splits on still verifies (by
// the second, exact reading); and the stored scan reads what ScanAudit
// reads.
func testAuditStoredDetails(t *testing.T, s store.Store) {
	evs := []access.Event{
		{Type: access.EventApproved, RequestID: "req_1", Actor: access.SystemActor, At: at(time.Second),
			Details: map[string]string{
				"zz": "short key last? no: keys order by length first", "a": "é, ✓ \u2028 <b>&amp;</b>",
				"quote": `"x" \ 'y'`, "ctl": "tab\t nl\n cr\r bs\b ff\f bell\x07 esc\x1b del\x7f", "bad": "not utf-8: \xff\xfe",
				"": "empty key", "slash/": "a/b",
			}},
		{Type: access.EventSubmitted, RequestID: "req_\x1fsep", Actor: access.Actor{UserName: "x\x1fy", Via: access.ViaCLI}, At: at(2 * time.Second),
			Details: map[string]string{"k\x1f": "v\x1f"}},
		{Type: access.EventCancelled, RequestID: "req_3", Actor: access.SystemActor},
	}
	for _, e := range evs {
		inTx(t, s, func(tx store.Tx) error { return tx.AppendEvent(t.Context(), e) })
	}
	got := entries(t, s)
	for i, en := range got {
		want, err := access.CanonicalDetails(evs[i].Details)
		if err != nil {
			t.Fatal(err)
		}
		if en.StoredDetails != want {
			t.Errorf("entry %d: stored details %q, want the canonical %q", en.Seq, en.StoredDetails, want)
		}
		if en.DetailsError != "" {
			t.Errorf("entry %d: %s", en.Seq, en.DetailsError)
		}
	}
	if d := got[0].Event.Details["bad"]; d != "not utf-8: \uFFFD\uFFFD" {
		t.Errorf("bytes that are not UTF-8 read back as %q, want U+FFFD each", d)
	}
	var stored []access.AuditEntry
	readTx(t, s, func(tx store.Tx) error {
		return tx.ScanAuditStored(t.Context(), 0, 3, func(en access.AuditEntry) error {
			stored = append(stored, en)
			return nil
		})
	})
	if len(stored) != 3 {
		t.Fatalf("ScanAuditStored read %d entries, want 3", len(stored))
	}
	for i, en := range stored {
		switch {
		case i == 1 && en.Version != 0:
			t.Errorf("entry 2 (text holding the separator): version %d, want 0 (not read)", en.Version)
		case i != 1 && (en.Version != access.ChainV2 || en.StoredDetails != got[i].StoredDetails || en.Event.Details != nil ||
			en.Event.Actor.UserName != got[i].Event.Actor.UserName || en.Event.Actor.Via != got[i].Event.Actor.Via || en.Event.RequestID != got[i].Event.RequestID || !en.Event.At.Equal(got[i].Event.At)):
			t.Errorf("entry %d: stored scan %+v, ScanAudit %+v", en.Seq, en, got[i])
		}
	}
	rep, err := workflow.VerifyAuditLog(t.Context(), s, audit.VerifyOptions{})
	if err != nil || !rep.OK || rep.Entries != 3 {
		t.Errorf("Verify = %+v, %v; want OK over 3 entries", rep, err)
	}
	readTx(t, s, func(tx store.Tx) error {
		first, last, err := tx.AuditBounds(t.Context())
		if err != nil || first != 1 || last != 3 {
			t.Errorf("AuditBounds = %d, %d, %v; want 1, 3", first, last, err)
		}
		return nil
	})
}
