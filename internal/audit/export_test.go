package audit_test

import (
	"bytes"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/audit"
)

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

// export writes entries with an ExportWriter of format.
func export(t *testing.T, entries []access.AuditEntry, format string) string {
	t.Helper()
	var buf bytes.Buffer
	xw, err := audit.NewExportWriter(&buf, format)
	if err != nil {
		t.Fatalf("NewExportWriter(%q): %v", format, err)
	}
	for _, en := range entries {
		if err := xw.Write(en); err != nil {
			t.Fatal(err)
		}
	}
	if err := xw.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestEntryToJSON(t *testing.T) {
	t.Parallel()
	en := testLog()[0]
	j := audit.EntryToJSON(en)
	want := audit.EntryJSON{Seq: 1, At: en.Event.At, Type: "request.submitted", RequestID: "r1",
		Actor:   audit.ActorJSON{UserID: "u1", UserName: "alice", Email: "alice@example.com", Via: "portal"},
		Details: en.Event.Details, PrevHash: strings.Repeat("00", 32), Hash: hex.EncodeToString(en.Hash), ChainVersion: 1}
	gotJSON, _ := json.Marshal(j)
	wantJSON, _ := json.Marshal(want)
	if !bytes.Equal(gotJSON, wantJSON) {
		t.Errorf("EntryToJSON =\n%s\nwant\n%s", gotJSON, wantJSON)
	}
	if v := audit.EntryToJSON(access.AuditEntry{Seq: 2, Version: access.ChainV2}).ChainVersion; v != 2 {
		t.Errorf("chain_version of a version 2 entry = %d, want 2", v)
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
		out := export(t, log, format)
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) != 3 {
			t.Fatalf("format %q: %d lines, want 3:\n%s", format, len(lines), out)
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
	rows, err := csv.NewReader(strings.NewReader(export(t, log, "csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || strings.Join(rows[0], ",") != strings.Join(audit.CSVHeader, ",") {
		t.Fatalf("rows = %q, want the header and 3 entries", rows)
	}
	first := rows[1]
	want := []string{"1", "2026-04-05T06:07:08.000009Z", "request.submitted", "r1", "", "u1", "alice", "alice@example.com", "portal",
		`{"account":"111122223333","reason":"deploy, \"hotfix\""}`, strings.Repeat("00", 32), hex.EncodeToString(log[0].Hash), "1"}
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

func TestExportIncludes(t *testing.T) {
	t.Parallel()
	log := testLog()
	for _, tc := range []struct {
		name  string
		since time.Time
		want  int
	}{
		{"all", time.Time{}, 3},
		{"since a time", log[1].Event.At, 2},
		{"since a time after the last", log[2].Event.At.Add(time.Second), 0},
	} {
		n := 0
		for _, en := range log {
			if (audit.ExportOptions{Since: tc.since}).Includes(en) {
				n++
			}
		}
		if n != tc.want {
			t.Errorf("%s: Includes took %d entries; want %d", tc.name, n, tc.want)
		}
	}
}

func TestExportRefusesAnUnknownFormat(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	_, err := audit.NewExportWriter(&buf, "xml")
	if access.ErrorCode(err) != access.CodeInvalid || buf.Len() != 0 {
		t.Errorf("NewExportWriter(xml) = %v, wrote %q; want invalid_argument and nothing", err, buf.String())
	}
}
