package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// TestAuditPruneCommand: `audit prune --dry-run` counts and deletes
// nothing; `audit prune` deletes the old entries under a pruning
// checkpoint, and `audit verify` still passes afterwards; without any
// retention set, prune says so.
func TestAuditPruneCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st := migratedStore(t, dir)
	old := time.Now().Add(-30 * 24 * time.Hour)
	for i := range 4 {
		e := access.Event{Type: access.EventSubmitted, RequestID: "req_" + string(rune('a'+i)), At: old.Add(time.Duration(i) * time.Minute),
			Actor: access.Actor{UserID: "u1", UserName: "alice", Via: access.ViaCLI}}
		if err := st.InTx(ctx, func(tx store.Tx) error { return tx.AppendEvent(ctx, e) }); err != nil {
			t.Fatal(err)
		}
	}
	seed := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32))
	run := func(args ...string) (string, int) {
		var out, errOut bytes.Buffer
		env := &Env{Stdout: &out, Stderr: &errOut, Getenv: func(k string) string {
			switch k {
			case "ELEVATE_AUDIT_SIGNING_KEY":
				return seed
			case "USER":
				return "ops-eve"
			}
			return ""
		}}
		code := RunEnv(ctx, env, append(append([]string{"audit"}, args...), "--data-dir", dir))
		if code != 0 {
			t.Logf("stderr: %s", errOut.String())
		}
		return out.String(), code
	}
	if out, code := run("prune"); code != 0 || !strings.Contains(out, "nothing to prune") {
		t.Fatalf("prune without retention: %d %q", code, out)
	}
	keep := []string{"--set", "retention.requests=240h", "--set", "retention.audit=240h"}
	out, code := run(append([]string{"prune", "--dry-run"}, keep...)...)
	if code != 0 || !strings.Contains(out, "audit entries: would prune 3 older than") {
		t.Fatalf("dry run: %d %q; want 3 entries (the head is kept)", code, out)
	}
	out, code = run(append([]string{"prune"}, keep...)...)
	if code != 0 || !strings.Contains(out, "audit entries: pruned 3 older than") || !strings.Contains(out, ": seq 1 to 3") ||
		!strings.Contains(out, "pruning checkpoint 1: entries 1 to 3") {
		t.Fatalf("prune: %d %q", code, out)
	}
	out, code = run("verify")
	if code != 0 || !strings.HasPrefix(out, "ok: 2 entries (seq 4 to 5)") {
		t.Fatalf("verify after prune: %d %q", code, out)
	}
	out, code = run("export")
	if code != 0 || !strings.Contains(out, `"type":"audit.pruned"`) || !strings.Contains(out, `"user_name":"ops-eve","via":"cli"`) {
		t.Fatalf("export after prune: %d %q; want the audit.pruned entry by ops-eve via the CLI", code, out)
	}
	if _, code := run("prune", "--set", "retention.audit=1h"); code == 0 {
		t.Fatal("prune with retention.audit=1h succeeded; want the configuration refused")
	}
}
