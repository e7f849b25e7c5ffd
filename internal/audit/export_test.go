package audit_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/audit"
	"github.com/elevate/elevate/internal/store"
)

// logStore is an in-memory decision log: it serves ReadTx and ScanAudit,
// all that Export and Events read; any other call panics.
type logStore struct {
	store.Store
	entries []access.AuditEntry
}

func (s *logStore) ReadTx(_ context.Context, fn func(store.Tx) error) error { return fn(logTx{s: s}) }

type logTx struct {
	store.Tx
	s *logStore
}

func (t logTx) ScanAudit(_ context.Context, afterSeq int64, limit int, fn func(access.AuditEntry) error) error {
	n := 0
	for _, en := range t.s.entries {
		if en.Seq <= afterSeq {
			continue
		}
		if limit > 0 && n == limit {
			return nil
		}
		n++
		if err := fn(en); err != nil {
			return err
		}
	}
	return nil
}

// testLog is a real chain of three entries.
func testLog() []access.AuditEntry {
	t0 := time.Date(2026, 4, 5, 6, 7, 8, 9000, time.UTC)
	events := []access.Event{
		{Type: access.EventSubmitted, RequestID: "r1", At: t0,
			Actor:   access.Actor{UserID: "u1", UserName: "alice", Email: "alice@example.com", Via: access.ViaPortal},
			Details: map[string]string{"reason": "deploy, \"hotfix\"", "account": "111122223333"}},
		{Type: access.EventApproved, RequestID: "r1", GrantID: "g1", At: t0.Add(time.Minute),
			Actor: access.Actor{UserID: "u2", UserName: "bob", Via: access.ViaSlack}},
		{Type: access.EventSubmitted, RequestID: "r2", At: t0.Add(time.Hour), Actor: access.SystemActor},
	}
	var out []access.AuditEntry
	var seq int64
	var head []byte
	for _, e := range events {
		s, prev, h := access.ChainLink(seq, head, e)
		out = append(out, access.AuditEntry{Seq: s, PrevHash: prev, Hash: h, Event: e})
		seq, head = s, h
	}
	return out
}

func newService(entries []access.AuditEntry) *audit.Service {
	return audit.New(&logStore{entries: entries}, testKey(1), nil, nil)
}

func TestEntryToJSON(t *testing.T) {
	t.Parallel()
	en := testLog()[0]
	j := audit.EntryToJSON(en)
	want := audit.EntryJSON{Seq: 1, At: en.Event.At, Type: "request.submitted", RequestID: "r1",
		Actor:   audit.ActorJSON{UserID: "u1", UserName: "alice", Email: "alice@example.com", Via: "portal"},
		Details: en.Event.Details, PrevHash: strings.Repeat("00", 32), Hash: hex.EncodeToString(en.Hash)}
	gotJSON, _ := json.Marshal(j)
	wantJSON, _ := json.Marshal(want)
	if !bytes.Equal(gotJSON, wantJSON) {
		t.Errorf("EntryToJSON =\n%s\nwant\n%s", gotJSON, wantJSON)
	}
	// Empty optional fields are left out.
	b, _ := json.Marshal(audit.EntryToJSON(access.AuditEntry{Seq: 3, Event: access.Event{Type: "x"}}))
	for _, key := range []string{"request_id", "grant_id", "details", "user_id", "email"} {
		if bytes.Contains(b, []byte(`"`+key+`"`)) {
			t.Errorf("%s is in %s", key, b)
		}
	}
}

func TestExportJSONLines(t *testing.T) {
	t.Parallel()
	log := testLog()
	for _, format := range []string{"jsonl", ""} {
		var buf bytes.Buffer
		n, err := newService(log).Export(t.Context(), &buf, audit.ExportOptions{Format: format})
		if err != nil || n != 3 {
			t.Fatalf("format %q: Export = %d, %v; want 3 entries", format, n, err)
		}
		lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
		if len(lines) != 3 {
			t.Fatalf("format %q: %d lines, want 3:\n%s", format, len(lines), buf.String())
		}
		for i, line := range lines {
			var got audit.EntryJSON
			if err := json.Unmarshal([]byte(line), &got); err != nil {
				t.Fatalf("line %d: %v", i, err)
			}
			want := audit.EntryToJSON(log[i])
			if got.Seq != want.Seq || got.Hash != want.Hash || got.PrevHash != want.PrevHash || got.Type != want.Type ||
				!got.At.Equal(want.At) || got.Actor != want.Actor || len(got.Details) != len(want.Details) {
				t.Errorf("line %d = %+v, want %+v", i, got, want)
			}
		}
	}
}

func TestExportCSV(t *testing.T) {
	t.Parallel()
	log := testLog()
	var buf bytes.Buffer
	n, err := newService(log).Export(t.Context(), &buf, audit.ExportOptions{Format: "csv"})
	if err != nil || n != 3 {
		t.Fatalf("Export = %d, %v; want 3 entries", n, err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || strings.Join(rows[0], ",") != strings.Join(audit.CSVHeader, ",") {
		t.Fatalf("rows = %q, want the header and 3 entries", rows)
	}
	first := rows[1]
	want := []string{"1", "2026-04-05T06:07:08.000009Z", "request.submitted", "r1", "", "u1", "alice", "alice@example.com", "portal",
		`{"account":"111122223333","reason":"deploy, \"hotfix\""}`, strings.Repeat("00", 32), hex.EncodeToString(log[0].Hash)}
	if strings.Join(first, "|") != strings.Join(want, "|") {
		t.Errorf("first row =\n%q\nwant\n%q", first, want)
	}
	if got := rows[2][9]; got != "{}" {
		t.Errorf("details of an entry without any = %q, want {}", got)
	}
	if got := rows[3][1]; got != "2026-04-05T07:07:08.000009Z" {
		t.Errorf("at = %q", got)
	}
}

func TestExportSelects(t *testing.T) {
	t.Parallel()
	log := testLog()
	for _, tc := range []struct {
		name string
		o    audit.ExportOptions
		want int64
	}{
		{"after a seq", audit.ExportOptions{AfterSeq: 1}, 2},
		{"since a time", audit.ExportOptions{Since: log[1].Event.At}, 2},
		{"since a time after the last", audit.ExportOptions{Since: log[2].Event.At.Add(time.Second)}, 0},
		{"both", audit.ExportOptions{AfterSeq: 2, Since: log[0].Event.At}, 1},
	} {
		var buf bytes.Buffer
		n, err := newService(log).Export(t.Context(), &buf, tc.o)
		if err != nil || n != tc.want || int64(strings.Count(buf.String(), "\n")) != tc.want {
			t.Errorf("%s: Export = %d, %v, %d lines; want %d", tc.name, n, err, strings.Count(buf.String(), "\n"), tc.want)
		}
	}
}

func TestExportRefusesAnUnknownFormat(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	_, err := newService(testLog()).Export(t.Context(), &buf, audit.ExportOptions{Format: "xml"})
	if access.ErrorCode(err) != access.CodeInvalid || buf.Len() != 0 {
		t.Errorf("Export(xml) = %v, wrote %q; want invalid_argument and nothing", err, buf.String())
	}
}

func TestEventsAsAuditor(t *testing.T) {
	t.Parallel()
	s := newService(testLog())
	if _, err := s.Events(t.Context(), access.Actor{UserName: "mallory"}, 0, 10); access.ErrorCode(err) != access.CodeForbidden {
		t.Errorf("Events for a plain user: %v, want forbidden", err)
	}
	if _, err := s.Events(t.Context(), access.Actor{Auditor: true}, -1, 10); access.ErrorCode(err) != access.CodeInvalid {
		t.Errorf("Events after seq -1: %v, want invalid_argument", err)
	}
	for _, actor := range []access.Actor{{Auditor: true}, {Admin: true}} {
		got, err := s.Events(t.Context(), actor, 1, 0)
		if err != nil || len(got) != 2 || got[0].Seq != 2 {
			t.Errorf("Events(%+v, after 1) = %+v, %v; want entries 2 and 3", actor, got, err)
		}
	}
}
