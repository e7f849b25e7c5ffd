package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/app"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/store"
)

// TestAuditCommands: checkpoint --out writes an exported checkpoint,
// export writes JSON lines and CSV, verify passes on the untouched log and
// names the truncation against the exported checkpoint after the tail is cut.
func TestAuditCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st := migratedStore(t, dir)
	for i := range 5 {
		e := access.Event{Type: access.EventSubmitted, RequestID: "req_" + string(rune('a'+i)), At: time.Date(2026, 3, 1+i, 0, 0, 0, 0, time.UTC),
			Actor: access.Actor{UserID: "u1", UserName: `o"brien, 'x'`, Via: access.ViaCLI}, Details: map[string]string{"justification": "a,b\nc"}}
		if err := st.InTx(ctx, func(tx store.Tx) error { return tx.AppendEvent(ctx, e) }); err != nil {
			t.Fatal(err)
		}
	}
	seed := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	run := func(args ...string) (string, int) {
		var out, errOut bytes.Buffer
		env := &Env{Stdout: &out, Stderr: &errOut, Getenv: func(k string) string {
			if k == "ELEVATE_AUDIT_SIGNING_KEY" {
				return seed
			}
			return ""
		}}
		code := RunEnv(ctx, env, append(append([]string{"audit"}, args...), "--data-dir", dir))
		if code != 0 {
			t.Logf("stderr: %s", errOut.String())
		}
		return out.String(), code
	}
	cpFile := filepath.Join(dir, "cp.json")
	out, code := run("checkpoint", "--out", cpFile)
	var cp struct {
		Seq   int64 `json:"seq"`
		Count int64 `json:"count"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &cp) != nil || cp.Seq != 5 || cp.Count != 5 {
		t.Fatalf("audit checkpoint: exit %d: %s", code, out)
	}
	if fi, err := os.Stat(cpFile); err != nil {
		t.Fatal(err)
	} else if fi.Mode().Perm() != 0o600 {
		t.Fatalf("checkpoint --out file has mode %v, want 0600", fi.Mode().Perm())
	}
	if out, code = run("verify"); code != 0 || !strings.HasPrefix(out, "ok: 5 entries") {
		t.Fatalf("audit verify: exit %d: %s", code, out)
	}
	if out, code = run("export", "--format", "jsonl", "--since", "2026-03-03"); code != 0 || strings.Count(out, "\n") != 3 || !strings.Contains(out, `"seq":3`) {
		t.Fatalf("audit export jsonl --since: exit %d:\n%s", code, out)
	}
	if out, code = run("export", "--format", "csv"); code != 0 || !strings.HasPrefix(out, "seq,at,type,") || !strings.Contains(out, `"o""brien, 'x'"`) {
		t.Fatalf("audit export csv: exit %d:\n%s", code, out)
	}
	// Tamper behind elevate's back, through a second handle on the file.
	raw := tamperHandle(t, dir)
	if _, err := raw.ExecContext(ctx, `DELETE FROM events WHERE seq > 3`); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.ExecContext(ctx, `DELETE FROM audit_checkpoints`); err != nil {
		t.Fatal(err)
	}
	if out, code = run("verify", "--checkpoint", cpFile); code != 1 || !strings.Contains(out, "BAD: truncated at seq 4") {
		t.Fatalf("audit verify --checkpoint after truncation: exit %d: %s", code, out)
	}
}

// migratedStore opens the SQLite store in dir, migrated; it is closed when
// the test ends.
func migratedStore(t *testing.T, dir string) store.Store {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = dir
	st, _, err := app.OpenStore(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() }) // read-only or already-failed: its close error cannot matter
	if err := app.Migrate(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	return st
}
