package cli

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/store"
	"github.com/elevate/elevate/internal/store/sqlite"
)

// TestAuditAnchors: an anchor published to a directory sink survives a
// rewrite of the database (stored checkpoints deleted, entries from seq 3
// replaced with their hashes recomputed); verify with the sink names seq 3,
// verify without one says the log is unanchored, and --strict fails then.
func TestAuditAnchors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir, sinkDir := t.TempDir(), t.TempDir()
	st := migratedStore(t, dir)
	appendEvents := func(n int, justification string) {
		for i := range n {
			e := access.Event{Type: access.EventSubmitted, RequestID: "req_" + string(rune('a'+i)), At: time.Date(2026, 3, 1+i, 0, 0, 0, 0, time.UTC),
				Actor: access.Actor{UserID: "u1", UserName: "op", Via: access.ViaCLI}, Details: map[string]string{"justification": justification}}
			if err := st.InTx(ctx, func(tx store.Tx) error { return tx.AppendEvent(ctx, e) }); err != nil {
				t.Fatal(err)
			}
		}
	}
	appendEvents(5, "real")
	seed := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	run := func(sink string, args ...string) (string, int) {
		var out, errOut bytes.Buffer
		env := &Env{Stdout: &out, Stderr: &errOut, Getenv: func(k string) string {
			switch k {
			case "ELEVATE_AUDIT_SIGNING_KEY":
				return seed
			case "ELEVATE_AUDIT_ANCHORS_DIRECTORY":
				return sink
			}
			return ""
		}}
		code := RunEnv(ctx, env, append(append([]string{"audit"}, args...), "--data-dir", dir))
		return out.String() + errOut.String(), code
	}
	if out, code := run("", "verify"); code != 0 || !strings.Contains(out, "unanchored") {
		t.Fatalf("verify without a sink: exit %d: %s", code, out)
	}
	if out, code := run("", "verify", "--strict"); code != 1 || !strings.Contains(out, "unanchored") {
		t.Fatalf("verify --strict without a sink: exit %d: %s", code, out)
	}
	if out, code := run(sinkDir, "anchor"); code != 0 {
		t.Fatalf("audit anchor: exit %d: %s", code, out)
	}
	files, _ := filepath.Glob(filepath.Join(sinkDir, "anchor-*.json"))
	if len(files) != 1 {
		t.Fatalf("anchor files: %v", files)
	}
	if fi, err := os.Stat(files[0]); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("anchor file mode: %v, %v; want 0600", fi, err)
	}
	if out, code := run(sinkDir, "verify", "--strict"); code != 0 || !strings.Contains(out, "anchored: every entry") {
		t.Fatalf("verify with the sink: exit %d: %s", code, out)
	}

	// Rewrite the log behind elevate's back: delete the stored checkpoints
	// and entries 3 to 5, then append others, chained as the engine does.
	raw := tamperHandle(t, dir)
	for _, q := range []string{`DELETE FROM audit_checkpoints`, `DELETE FROM events WHERE seq >= 3`} {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	appendEvents(3, "forged")
	if out, code := run("", "verify"); code != 0 || !strings.Contains(out, "ok: 5 entries") || !strings.Contains(out, "unanchored") {
		t.Fatalf("verify of the rewritten log without a sink: exit %d: %s (the database alone can't tell)", code, out)
	}
	if out, code := run(sinkDir, "verify"); code != 1 || !strings.Contains(out, "BAD: rewritten at seq 3") {
		t.Fatalf("verify of the rewritten log with the sink: exit %d: %s", code, out)
	}
}

// tamperHandle opens a second handle on the SQLite database in dir, to
// change it behind elevate's back; it is closed when the test ends.
func tamperHandle(t *testing.T, dir string) *sql.DB {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = dir
	raw, err := sqlite.Open(context.Background(), cfg.SQLitePath(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = raw.Close() }) // a second handle for tampering: its close error cannot matter
	return raw.DB()
}
