package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/app"
	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/store"
	"github.com/elevate/elevate/internal/store/pgtest"
)

// rewriteEngine is one database engine the rewrite test runs on: the
// variables that select it, and a way to run SQL behind elevate's back.
type rewriteEngine struct {
	env  map[string]string
	exec func(t *testing.T, q string, args ...any)
	ph   func(i int) string // the engine's i-th query placeholder
}

func sqliteRewriteEngine(t *testing.T, dir string) rewriteEngine {
	raw := tamperHandle(t, dir)
	return rewriteEngine{env: map[string]string{},
		exec: func(t *testing.T, q string, args ...any) {
			t.Helper()
			if _, err := raw.ExecContext(context.Background(), q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		},
		ph: func(int) string { return "?" }}
}

func postgresRewriteEngine(t *testing.T, url string) rewriteEngine {
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) }) // a second connection for tampering: its close error cannot matter
	return rewriteEngine{env: map[string]string{"ELEVATE_DATABASE_URL": url},
		exec: func(t *testing.T, q string, args ...any) {
			t.Helper()
			if _, err := conn.Exec(context.Background(), q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		},
		ph: func(i int) string { return fmt.Sprintf("$%d", i) }}
}

// TestAuditAnchorsRewrittenChain: anchors published to a directory and to
// the emulated S3 bucket (Object Lock, compliance mode) outlive a rewrite
// of the database: the stored checkpoints deleted and entries 3 to 6
// replaced in place with their hashes recomputed, so that the chain is
// consistent again. verify with either sink names entry 3; with no sink
// it passes and says the log is unanchored (--strict fails); with every
// entry gone, either sink still catches it. On SQLite and PostgreSQL.
//
// Not parallel: the S3 client reads its credentials from the process's
// environment.
func TestAuditAnchorsRewrittenChain(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_ENDPOINT_URL", "")
	t.Setenv("AWS_ENDPOINT_URL_S3", "")
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			dir := t.TempDir()
			cfg := config.Default()
			cfg.DataDir = dir
			var eng rewriteEngine
			if engine == "postgres" {
				cfg.DatabaseURL = pgtest.NewDatabase(t)
			}
			testRewrittenChain(t, dir, cfg, func() rewriteEngine {
				if engine == "postgres" {
					eng = postgresRewriteEngine(t, cfg.DatabaseURL)
				} else {
					eng = sqliteRewriteEngine(t, dir)
				}
				return eng
			})
		})
	}
}

func testRewrittenChain(t *testing.T, dir string, cfg config.Config, engine func() rewriteEngine) {
	ctx := context.Background()
	st, _, err := app.OpenStore(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() }) // the test's own handle: its close error cannot matter
	if err := app.Migrate(ctx, st); err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		e := access.Event{Type: access.EventSubmitted, RequestID: fmt.Sprintf("req_%d", i+1), At: time.Date(2026, 3, 1+i, 0, 0, 0, 0, time.UTC),
			Actor: access.Actor{UserID: "u1", UserName: "op", Via: access.ViaCLI}, Details: map[string]string{"justification": "real"}}
		if err := st.InTx(ctx, func(tx store.Tx) error { return tx.AppendEvent(ctx, e) }); err != nil {
			t.Fatal(err)
		}
	}
	eng := engine()

	emu, err := awsemu.New(awsemu.DemoSeed(), awsemu.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	if err := emu.CreateBucket("elevate-anchors", true); err != nil {
		t.Fatal(err)
	}
	received := make(chan string, 1)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		received <- r.Header.Get("X-Elevate-Event") + " " + string(b)
	}))
	t.Cleanup(receiver.Close)
	sinks := map[string]map[string]string{
		"none":      {},
		"directory": {"ELEVATE_AUDIT_ANCHORS_DIRECTORY": t.TempDir()},
		"s3":        {"ELEVATE_AUDIT_ANCHORS_S3_BUCKET": "elevate-anchors", "ELEVATE_AUDIT_ANCHORS_S3_ENDPOINT": srv.URL},
		"both":      {},
		"webhook":   {"ELEVATE_AUDIT_ANCHORS_WEBHOOK_URL": receiver.URL, "ELEVATE_WEBHOOK_SECRET": "s3cret"},
	}
	for k, v := range sinks["directory"] {
		sinks["both"][k] = v
	}
	for k, v := range sinks["s3"] {
		sinks["both"][k] = v
	}
	seed := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	run := func(sink string, args ...string) (string, int) {
		t.Helper()
		var out, errOut bytes.Buffer
		env := &Env{Stdout: &out, Stderr: &errOut, Getenv: func(k string) string {
			if k == "ELEVATE_AUDIT_SIGNING_KEY" {
				return seed
			}
			if v, ok := eng.env[k]; ok {
				return v
			}
			return sinks[sink][k]
		}}
		code := RunEnv(ctx, env, append(append([]string{"audit"}, args...), "--data-dir", dir))
		return out.String() + errOut.String(), code
	}

	if out, code := run("both", "anchor"); code != 0 || !strings.Contains(out, "published an anchor to 2 sink(s)") {
		t.Fatalf("audit anchor: exit %d: %s", code, out)
	}
	// The webhook gets the anchor but can't be read back: verify says so,
	// and counts the log as unanchored.
	if out, code := run("webhook", "anchor"); code != 0 {
		t.Fatalf("audit anchor to the webhook: exit %d: %s", code, out)
	}
	if got := <-received; !strings.HasPrefix(got, "audit.anchor {") || !strings.Contains(got, `"seq":6`) {
		t.Errorf("the webhook received %q, want the anchor of seq 6", got)
	}
	if out, code := run("webhook", "verify", "--strict"); code != 1 || !strings.Contains(out, "not read: the sink webhook") || !strings.Contains(out, "unanchored") {
		t.Errorf("verify --strict with only the webhook sink: exit %d: %s", code, out)
	}
	for _, sink := range []string{"directory", "s3"} {
		if out, code := run(sink, "verify", "--strict"); code != 0 || !strings.Contains(out, "ok: 6 entries") || !strings.Contains(out, "anchored: every entry") {
			t.Fatalf("verify --strict with the %s sink before the rewrite: exit %d: %s", sink, code, out)
		}
	}

	// Rewrite the chain behind elevate's back: delete the stored
	// checkpoints, change entries 3 to 6 in place and recompute their
	// prev_hash and hash, as someone who knows the chain's definition can.
	var entries []access.AuditEntry
	if err := st.ReadTx(ctx, func(tx store.Tx) error {
		return tx.ScanAudit(ctx, 0, 0, func(en access.AuditEntry) error { entries = append(entries, en); return nil })
	}); err != nil {
		t.Fatal(err)
	}
	eng.exec(t, `DELETE FROM audit_checkpoints`)
	prev := entries[1].Hash
	for _, en := range entries[2:] {
		forged, err := access.CanonicalDetails(map[string]string{"justification": "forged"})
		if err != nil {
			t.Fatal(err)
		}
		h := access.ChainHashV2(prev, en.Seq, en.Event, forged)
		eng.exec(t, fmt.Sprintf(`UPDATE events SET details = %s, prev_hash = %s, hash = %s WHERE seq = %s`, eng.ph(1), eng.ph(2), eng.ph(3), eng.ph(4)),
			forged, prev, h, en.Seq)
		prev = h
	}

	if out, code := run("none", "verify"); code != 0 || !strings.Contains(out, "ok: 6 entries") || !strings.Contains(out, "unanchored") {
		t.Fatalf("verify of the rewritten chain without a sink: exit %d: %s (the database alone can't tell, and says so)", code, out)
	}
	if out, code := run("none", "verify", "--strict"); code != 1 || !strings.Contains(out, "unanchored") {
		t.Fatalf("verify --strict without a sink: exit %d: %s", code, out)
	}
	for _, sink := range []string{"directory", "s3"} {
		if out, code := run(sink, "verify"); code != 1 || !strings.Contains(out, "BAD: rewritten at seq 3") || !strings.Contains(out, "(2 entries verified before it)") {
			t.Errorf("verify of the rewritten chain with the %s sink: exit %d: %s; want entry 3 named", sink, code, out)
		}
		out, code := run(sink, "verify", "--json")
		var rep struct {
			OK      bool `json:"ok"`
			Problem *struct {
				Seq  int64  `json:"seq"`
				Kind string `json:"kind"`
			} `json:"problem"`
		}
		if err := json.NewDecoder(strings.NewReader(out)).Decode(&rep); err != nil || code != 1 || rep.OK || rep.Problem == nil || rep.Problem.Seq != 3 || rep.Problem.Kind != "rewritten" {
			t.Errorf("verify --json with the %s sink: exit %d, %v: %s", sink, code, err, out)
		}
	}

	// Every entry gone: the database alone says "ok: 0 entries"; the
	// anchors outside it still pin the log.
	eng.exec(t, `DELETE FROM events`)
	if out, code := run("none", "verify"); code != 0 || !strings.Contains(out, "ok: 0 entries") || !strings.Contains(out, "unanchored") {
		t.Fatalf("verify of the emptied log without a sink: exit %d: %s", code, out)
	}
	for _, sink := range []string{"directory", "s3"} {
		if out, code := run(sink, "verify"); code != 1 || !strings.Contains(out, "BAD: truncated at seq 1") {
			t.Errorf("verify of the emptied log with the %s sink: exit %d: %s", sink, code, out)
		}
	}
}
