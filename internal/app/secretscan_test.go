package app_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elevate/elevate/client"
	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/notify/slack"
)

// lockedBuffer is an io.Writer safe for the app's concurrent loggers.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// randomSecret returns a recognisable, unguessable secret value.
func randomSecret(t *testing.T, prefix string) string {
	t.Helper()
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return prefix + hex.EncodeToString(b)
}

// TestSecretsNeverLogged runs elevate end to end with every secret it can
// hold set to a random value: the Slack bot token and signing secret (a
// local Slack Web API), the webhook secret (a local receiver), the SMTP
// password (a server that hangs up, so deliveries fail and are logged),
// the OIDC client secret (zitadel/oidc's OP, discovery done by a sign-in
// start), the audit signing key, and personal access tokens (created, used,
// and a wrong one refused). The app logs at debug level, as text and as
// JSON, into buffers; afterwards no secret, nor its base64 or hex, may
// appear in them.
func TestSecretsNeverLogged(t *testing.T) {
	seed := make([]byte, 32)
	if _, err := rand.Read(seed); err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{
		"slack bot token":      randomSecret(t, "xoxb-"),
		"slack signing secret": randomSecret(t, "sss-"),
		"webhook secret":       randomSecret(t, "whs-"),
		"smtp password":        randomSecret(t, "smtp-"),
		"oidc client secret":   randomSecret(t, "oidc-"),
		"audit signing key":    base64.StdEncoding.EncodeToString(seed),
		"audit signing seed":   string(seed),
	}

	fs := newFakeSlack(t)
	var hooks sync.WaitGroup
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(hook.Close)
	smtp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hooks.Add(1)
	go func() { // an SMTP server that greets, then hangs up after AUTH is offered
		defer hooks.Done()
		for {
			c, err := smtp.Accept()
			if err != nil {
				return
			}
			_, _ = io.WriteString(c, "220 localhost ESMTP\r\n")
			buf := make([]byte, 512)
			_, _ = c.Read(buf)
			_, _ = io.WriteString(c, "250-localhost\r\n250 AUTH PLAIN\r\n")
			_, _ = c.Read(buf)
			_ = c.Close()
		}
	}()
	t.Cleanup(func() {
		_ = smtp.Close() // a test listener: its close error cannot matter
		hooks.Wait()
	})

	ln, base := listenLoopback(t)
	issuer := oidcProvider(t, base+"/auth/oidc/callback")
	var text, js lockedBuffer
	log := slog.New(teeHandler{
		slog.NewTextHandler(&text, &slog.HandlerOptions{Level: slog.LevelDebug}),
		slog.NewJSONHandler(&js, &slog.HandlerOptions{Level: slog.LevelDebug}),
	})
	env := startWith(t, awsemu.DemoSeed(), startOptions{logger: log, listener: ln}, func(c *config.Config) {
		c.PublicURL = base
		c.Notify.Slack.BotToken = secrets["slack bot token"]
		c.Notify.Slack.SigningSecret = secrets["slack signing secret"]
		c.Notify.Slack.APIURL = fs.srv.URL + "/api/"
		c.Notify.Webhook.URL = hook.URL + "/hooks/elevate"
		c.Notify.Webhook.Secret = secrets["webhook secret"]
		c.Notify.Email.Host = "127.0.0.1"
		c.Notify.Email.Port = smtp.Addr().(*net.TCPAddr).Port
		c.Notify.Email.TLS = "starttls" // the server offers no STARTTLS: deliveries fail and are logged
		c.Notify.Email.Username = "elevate"
		c.Notify.Email.Password = secrets["smtp password"]
		c.Notify.Email.From = "elevate@example.com"
		c.Auth.OIDC = config.OIDC{Issuer: issuer, ClientID: "elevate", ClientSecret: secrets["oidc client secret"]}
		c.Audit.SigningKey = secrets["audit signing key"]
	})
	for u, tok := range env.tokens {
		secrets["token of "+u] = tok
	}
	secrets["wrong token"] = "elv_" + randomSecret(t, "")

	ctx := context.Background()
	alice := env.client(t, "alice")
	req, err := alice.CreateRequest(ctx, client.CreateRequestInput{AccountIDs: []string{"prod"}, PermissionSet: "AdministratorAccess",
		Duration: time.Hour, Justification: "INC-secret-scan"})
	if err != nil {
		t.Fatalf("create request: %v", err)
	}
	eventually(t, "the approver's Slack DM", func() bool {
		return index(fs.snapshot(), func(c slackCall) bool { return c.Method == "chat.postMessage" && c.Channel == "D_bob" }) >= 0
	})
	if status, out := signedPost(t, env.app.URL(), secrets["slack signing secret"], time.Now(),
		decision(fs, "U_bob", slack.ActionApprove, req.ID, "ok")); status != http.StatusOK || out["ok"] != true {
		t.Fatalf("approve in Slack: %d %v", status, out)
	}
	if status, _ := signedPost(t, env.app.URL(), "not-the-secret", time.Now(),
		decision(fs, "U_bob", slack.ActionApprove, req.ID, "forged")); status != http.StatusUnauthorized {
		t.Fatalf("forged Slack signature: status %d, want 401", status)
	}
	waitStatus(t, alice, req.ID, client.StatusActive)
	if _, err := alice.End(ctx, req.ID, "done"); err != nil {
		t.Fatalf("end: %v", err)
	}
	waitStatus(t, alice, req.ID, client.StatusRevoked)
	wrong, err := client.New(env.app.URL(), secrets["wrong token"])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wrong.ListRequests(ctx, client.ListOptions{}); apiCode(err) != "unauthenticated" {
		t.Fatalf("wrong token: %v, want unauthenticated", err)
	}
	resp, err := browserClient(t).Get(base + "/auth/oidc/login?next=/profile") // discovery, then the IdP
	if err != nil {
		t.Fatalf("OIDC sign-in start: %v", err)
	}
	_ = resp.Body.Close() // only the hops matter
	eventually(t, "a failed email delivery", func() bool {
		return len(adminNotifications(t, env, "status=failed&request_id="+req.ID)) > 0
	})

	logs := map[string]string{"text": text.String(), "json": js.String()}
	// The capture holds the run: the request's records, and the failures
	// (the forged Slack signature, the email delivery) where a careless
	// error message would carry a secret.
	for _, want := range []string{req.ID, "slack interaction refused", "level=WARN"} {
		if !strings.Contains(logs["text"], want) {
			t.Fatalf("the captured log has no %q: %.3000s", want, logs["text"])
		}
	}
	for name, s := range secrets {
		forms := map[string]string{"value": s, "base64": base64.StdEncoding.EncodeToString([]byte(s)),
			"base64url": base64.RawURLEncoding.EncodeToString([]byte(s)), "hex": hex.EncodeToString([]byte(s))}
		for form, v := range forms {
			for kind, l := range logs {
				if i := strings.Index(l, v); i >= 0 {
					t.Errorf("the %s log holds the %s (%s): %q", kind, name, form, l[max(0, i-200):min(len(l), i+len(v)+50)])
				}
			}
		}
	}
}

// teeHandler sends every record to each of its handlers.
type teeHandler []slog.Handler

func (h teeHandler) Enabled(ctx context.Context, l slog.Level) bool {
	for _, x := range h {
		if x.Enabled(ctx, l) {
			return true
		}
	}
	return false
}

func (h teeHandler) Handle(ctx context.Context, r slog.Record) error {
	var errs []error
	for _, x := range h {
		if x.Enabled(ctx, r.Level) {
			errs = append(errs, x.Handle(ctx, r.Clone()))
		}
	}
	return errors.Join(errs...)
}

func (h teeHandler) WithAttrs(as []slog.Attr) slog.Handler {
	out := make(teeHandler, len(h))
	for i, x := range h {
		out[i] = x.WithAttrs(as)
	}
	return out
}

func (h teeHandler) WithGroup(name string) slog.Handler {
	out := make(teeHandler, len(h))
	for i, x := range h {
		out[i] = x.WithGroup(name)
	}
	return out
}
