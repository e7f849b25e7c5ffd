package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// TestAuditVerifyMalformedDetails: an entry whose stored details carry a
// key twice (written behind elevate's back, with the database's refusal
// dropped) is reported as tampering of that entry, in text and in --json;
// --json prints a report when verify can't run at all too.
func TestAuditVerifyMalformedDetails(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	st := migratedStore(t, dir)
	for i := range 3 {
		e := access.Event{Type: access.EventSubmitted, RequestID: "req_" + string(rune('a'+i)), At: time.Date(2026, 3, 1+i, 0, 0, 0, 0, time.UTC),
			Actor: access.Actor{UserID: "u1", UserName: "op", Via: access.ViaCLI}, Details: map[string]string{"justification": "real"}}
		if err := st.InTx(ctx, func(tx store.Tx) error { return tx.AppendEvent(ctx, e) }); err != nil {
			t.Fatal(err)
		}
	}
	seed := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	run := func(args ...string) (string, string, int) {
		var out, errOut bytes.Buffer
		env := &Env{Stdout: &out, Stderr: &errOut, Getenv: func(k string) string {
			if k == "ELEVATE_AUDIT_SIGNING_KEY" {
				return seed
			}
			return ""
		}}
		code := RunEnv(ctx, env, append(append([]string{"audit"}, args...), "--data-dir", dir))
		return out.String(), errOut.String(), code
	}
	raw := tamperHandle(t, dir)
	for _, q := range []string{
		`DROP TRIGGER events_details_strict_update`,
		// The last value is the one stored in the chain, so the entry's
		// hash still matches what encoding/json decodes; other tools
		// would read "forged".
		`UPDATE events SET details = '{"justification":"forged","justification":"real"}' WHERE seq = 2`,
	} {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	out, errOut, code := run("verify")
	if code != 1 || !strings.Contains(out, "BAD: malformed at seq 2") || !strings.Contains(out, `"justification" appears twice`) {
		t.Fatalf("verify: exit %d: %s%s", code, out, errOut)
	}
	out, errOut, code = run("verify", "--json")
	var rep struct {
		OK      bool `json:"ok"`
		Problem *struct {
			Seq  int64  `json:"seq"`
			Kind string `json:"kind"`
		} `json:"problem"`
		Error string `json:"error"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 1 || rep.OK || rep.Problem == nil || rep.Problem.Seq != 2 || rep.Problem.Kind != "malformed" {
		t.Fatalf("verify --json: exit %d, %v: %s%s", code, err, out, errOut)
	}
	if _, errOut, code := run("export"); code == 0 || !strings.Contains(errOut, "entry 2: its stored details are malformed") {
		t.Errorf("export of the malformed entry: exit %d: %s", code, errOut)
	}

	// verify can't run at all: --json still prints a report, with the error.
	out, errOut, code = run("verify", "--json", "--checkpoint", filepath.Join(dir, "missing.json"))
	rep.Error, rep.OK = "", true
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code == 0 || rep.OK || !strings.Contains(rep.Error, "missing.json") {
		t.Fatalf("verify --json with an unreadable checkpoint file: exit %d, %v: %q %s", code, err, out, errOut)
	}
}
