package cli

import (
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/api/apitest"
)

func TestListTime(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		end  bool
		want time.Time
		err  string
	}{
		{in: "", want: time.Time{}},
		{in: "2026-12-01", want: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)},
		{in: "2026-12-01", end: true, want: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)},
		{in: "2026-12-01T09:00:00Z", end: true, want: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)},
		{in: "7d", want: now.AddDate(0, 0, -7)},
		{in: "90m", want: now.Add(-90 * time.Minute)},
		{in: "0d", err: "give a date"},
		{in: "-1h", err: "give a date"},
		{in: "last week", err: `--since "last week": give a date (2026-12-07, UTC)`},
	} {
		got, err := listTime("since", tc.in, tc.end, now)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("listTime(%q) error = %v, want one with %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("listTime(%q, %v) = %v, %v; want %v", tc.in, tc.end, got, err, tc.want)
		}
	}
}

// TestLsPagesAndFilters lists a page at a time, follows every page with
// --all, filters, and exports as an auditor.
func TestLsPagesAndFilters(t *testing.T) {
	ct := newClientCmdTest(t)
	var ids []string
	for range 5 {
		ids = append(ids, ct.newRequestID())
	}
	ct.mustRun(apitest.AliceToken, "cancel", ids[0])

	ls := func(token string, args ...string) ([]string, string) {
		t.Helper()
		code, out, errOut := ct.run(token, append([]string{"ls", "--json"}, args...)...)
		if code != 0 {
			t.Fatalf("ls %v: exit %d: %s", args, code, errOut)
		}
		var rs []struct{ ID string }
		if err := json.Unmarshal([]byte(out), &rs); err != nil {
			t.Fatalf("ls %v: %v: %s", args, err, out)
		}
		var got []string
		for _, r := range rs {
			got = append(got, r.ID)
		}
		return got, errOut
	}
	newest := []string{ids[4], ids[3], ids[2], ids[1], ids[0]}

	first, hint := ls(apitest.AliceToken, "--limit", "2")
	if strings.Join(first, " ") != strings.Join(newest[:2], " ") {
		t.Errorf("first page = %v, want %v", first, newest[:2])
	}
	_, cursor, ok := strings.Cut(hint, "--cursor ")
	if !ok {
		t.Fatalf("a page with more after it says nothing of the cursor: %q", hint)
	}
	cursor = strings.Fields(cursor)[0]
	second, _ := ls(apitest.AliceToken, "--limit", "2", "--cursor", cursor)
	if strings.Join(second, " ") != strings.Join(newest[2:4], " ") {
		t.Errorf("second page = %v, want %v", second, newest[2:4])
	}
	every, hint := ls(apitest.AliceToken, "--limit", "2", "--all")
	if strings.Join(every, " ") != strings.Join(newest, " ") || hint != "" {
		t.Errorf("--all = %v (stderr %q), want %v", every, hint, newest)
	}
	if got, _ := ls(apitest.AliceToken, "--status", "cancelled", "--account", apitest.ProdAccount); len(got) != 1 || got[0] != ids[0] {
		t.Errorf("--status cancelled --account prod = %v, want [%s]", got, ids[0])
	}
	if got, _ := ls(apitest.AliceToken, "--account", apitest.SandboxAccount); len(got) != 0 {
		t.Errorf("--account sandbox = %v, want none", got)
	}
	if got, _ := ls(apitest.AliceToken, "--search", ids[2]); len(got) != 1 || got[0] != ids[2] {
		t.Errorf("--search %s = %v", ids[2], got)
	}

	out := ct.mustRun(apitest.AuditorToken, "ls", "--export", "csv", "--status", "pending")
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(rows) != 5 || rows[0][0] != "id" {
		t.Fatalf("--export csv: %v:\n%s", err, out)
	}
	for i, row := range rows[1:] {
		if row[0] != newest[i] {
			t.Errorf("--export csv line %d is %s, want %s", i+1, row[0], newest[i])
		}
	}
	if code, _, errOut := ct.run(apitest.AliceToken, "ls", "--export", "csv"); code != 1 || !strings.Contains(errOut, "only admins and auditors") {
		t.Errorf("ls --export as a requester: exit %d: %s", code, errOut)
	}
	if code, _, errOut := ct.run(apitest.AuditorToken, "ls", "--export", "xml"); code == 0 || !strings.Contains(errOut, "use csv or jsonl") {
		t.Errorf("ls --export xml: exit %d: %s", code, errOut)
	}
	if code, _, errOut := ct.run(apitest.AliceToken, "ls", "--since", "soon"); code == 0 || !strings.Contains(errOut, `--since "soon"`) {
		t.Errorf("ls --since soon: exit %d: %s", code, errOut)
	}
}
