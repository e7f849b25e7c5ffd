package teams_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/notify"
	"github.com/elevate/elevate/internal/notify/teams"
)

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// messages are one message of each card kind, as delivery renders them.
func messages() map[string]notify.Message {
	cfg := notify.Config{PublicURL: "https://elevate.example"}.WithDefaults()
	base := access.Request{ID: "req_1", RequesterID: "u-alice", RequesterName: "alice", PermissionSetName: "AdministratorAccess",
		Grants: []access.Grant{{AccountID: "111111111111"}}, Duration: time.Hour, Justification: "INC-42: redrive the DLQ <now> & \"fast\"",
		Ticket: "INC-42", ApprovalsRequired: 1, Approvers: []string{"u-bob"}, CreatedAt: t0}
	bob := access.Actor{UserID: "u-bob", UserName: "bob", Via: access.ViaSlack}
	at := func(r access.Request, mut func(*access.Request)) access.Request { mut(&r); return r }
	pending := at(base, func(r *access.Request) { r.Status = access.StatusPending })
	approved := at(base, func(r *access.Request) {
		r.Status = access.StatusScheduled
		r.Approvals = []access.Approval{{UserID: "u-bob", UserName: "bob", Verdict: access.VerdictApprove, Comment: "go", At: t0}}
	})
	rejected := at(base, func(r *access.Request) {
		r.Status = access.StatusRejected
		r.Approvals = []access.Approval{{UserID: "u-bob", UserName: "bob", Verdict: access.VerdictReject, Comment: "not now", At: t0}}
	})
	active := at(approved, func(r *access.Request) {
		r.Status, r.ActivatedAt, r.EndsAt = access.StatusActive, t0, t0.Add(time.Hour)
	})
	ended := at(active, func(r *access.Request) { r.Status = access.StatusEnded })
	ev := func(typ access.EventType, a access.Actor, details map[string]string) access.Event {
		return access.Event{Type: typ, RequestID: "req_1", Actor: a, At: t0, Details: details}
	}
	render := func(e access.Event, r access.Request) notify.Message {
		return cfg.Render(access.Notification{ID: "ntf_" + strings.ReplaceAll(string(e.Type), ".", "_")}, e, r, access.User{})
	}
	return map[string]notify.Message{
		"submitted":   render(ev(access.EventSubmitted, access.Actor{UserID: "u-alice", UserName: "alice"}, nil), pending),
		"approved":    render(ev(access.EventApproved, bob, map[string]string{"approvals": "1"}), approved),
		"rejected":    render(ev(access.EventRejected, bob, nil), rejected),
		"active":      render(ev(access.EventActivated, access.SystemActor, nil), active),
		"ending soon": render(ev(notify.EventEndingSoon, access.SystemActor, map[string]string{"ends_at": active.EndsAt.Format(time.RFC3339Nano)}), active),
		"ended":       render(ev(access.EventEnded, access.SystemActor, nil), ended),
	}
}

// receiver is a local Teams Workflows webhook: it keeps each body posted
// to /workflows/secops with its signature, and answers 202 as the flow does.
type receiver struct {
	mu     sync.Mutex
	bodies [][]byte
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/workflows/secops" || r.URL.Query().Get("sig") != "s3cret" ||
		r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, "unknown flow", http.StatusNotFound)
		return
	}
	b, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.bodies = append(rc.bodies, b)
	rc.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}

// TestCardsReachTheReceiverAndPassAdaptiveCards: each kind of card is
// posted to the channel's webhook in the envelope Teams Workflows expects,
// with a button to the request's portal page; Microsoft's adaptivecards
// library parses each without a warning (in node) and renders it in
// Chromium with its text and button.
func TestCardsReachTheReceiverAndPassAdaptiveCards(t *testing.T) {
	rc := &receiver{}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	c, err := teams.New(teams.Config{Channels: []teams.Channel{{Name: "secops", URL: srv.URL + "/workflows/secops?sig=s3cret"}}})
	if err != nil {
		t.Fatal(err)
	}
	msgs := messages()
	received := map[string]json.RawMessage{}
	for name, m := range msgs {
		before := len(rc.bodies)
		if err := c.Send(context.Background(), "secops", m); err != nil {
			t.Fatalf("send %s: %v", name, err)
		}
		if len(rc.bodies) != before+1 {
			t.Fatalf("%s: the receiver got %d posts, want 1", name, len(rc.bodies)-before)
		}
		received[name] = rc.bodies[len(rc.bodies)-1]
	}
	for name, raw := range received {
		var env struct {
			Type        string
			Attachments []struct {
				ContentType string
				Content     struct {
					Type, Version string
					Actions       []struct{ Type, Title, URL string }
				}
			}
		}
		if err := json.Unmarshal(raw, &env); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if env.Type != "message" || len(env.Attachments) != 1 || env.Attachments[0].ContentType != teams.ContentType {
			t.Fatalf("%s: envelope %s", name, raw)
		}
		card := env.Attachments[0].Content
		if card.Type != "AdaptiveCard" || card.Version != "1.5" || len(card.Actions) != 1 || card.Actions[0].Type != "Action.OpenUrl" ||
			card.Actions[0].URL != "https://elevate.example/requests/req_1" {
			t.Errorf("%s: card %+v, want an AdaptiveCard 1.5 with one Action.OpenUrl to the request", name, card)
		}
	}
	checkWithNode(t, received)
	renderInChromium(t, msgs)
}

// cardcheckDir holds the pinned adaptivecards package (npm ci there).
func cardcheckDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("testdata", "cardcheck"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "adaptivecards", "dist", "adaptivecards.min.js")); err != nil {
		t.Skipf("the adaptivecards package is not installed: run `npm ci` in %s to check the Teams cards", dir)
	}
	return dir
}

// checkWithNode runs cardcheck.js over the received messages: no problem
// may be reported for any of them.
func checkWithNode(t *testing.T, received map[string]json.RawMessage) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: install Node.js to check the Teams cards with adaptivecards")
	}
	dir := cardcheckDir(t)
	file := filepath.Join(t.TempDir(), "messages.json")
	b, _ := json.Marshal(received)
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(node, filepath.Join(dir, "cardcheck.js"), file).Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		t.Fatalf("cardcheck.js: %v\n%s", err, ee.Stderr)
	} else if err != nil {
		t.Fatal(err)
	}
	var res map[string]struct {
		Version  string
		Problems []string
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("cardcheck.js output %q: %v", out, err)
	}
	if len(res) != len(received) {
		t.Fatalf("cardcheck.js checked %d cards, want %d", len(res), len(received))
	}
	for name, r := range res {
		if r.Version != "1.5" || len(r.Problems) > 0 {
			t.Errorf("%s: adaptivecards (node) reports version %q, problems %q", name, r.Version, r.Problems)
		}
	}
}

// chromium finds the browser: ELEVATE_TEST_CHROMIUM or /usr/bin/chromium.
func chromium() string {
	if p := os.Getenv("ELEVATE_TEST_CHROMIUM"); p != "" {
		return p
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	return ""
}

// renderInChromium renders each card with adaptivecards in Chromium: no
// problem is reported, and the subject and the button are on the page.
func renderInChromium(t *testing.T, msgs map[string]notify.Message) {
	t.Helper()
	dir := cardcheckDir(t)
	path := chromium()
	if path == "" {
		t.Skip("no Chromium found: install it (apt-get install chromium) or set ELEVATE_TEST_CHROMIUM to render the Teams cards")
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, filepath.Join(dir, "render.html")) })
	mux.HandleFunc("/adaptivecards.min.js", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, filepath.Join(dir, "node_modules", "adaptivecards", "dist", "adaptivecards.min.js"))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	opts := []chromedp.ExecAllocatorOption{chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.Headless,
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir())}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	defer func() { cancelB(); cancelA() }()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatalf("open the render page in %s: %v", path, err)
	}
	type result struct {
		Problems []string `json:"problems"`
		Text     string   `json:"text"`
		Buttons  []string `json:"buttons"`
	}
	for name, m := range msgs {
		card, _ := json.Marshal(teams.Card(m))
		var res result
		err := chromedp.Do(ctx, func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			var err error
			res, err = chromedp.Evaluate[result]("check("+string(card)+")")(ctx, tg)
			return chromedp.Void{}, err
		})
		if err != nil {
			t.Fatalf("%s: render: %v", name, err)
		}
		if len(res.Problems) > 0 {
			t.Errorf("%s: adaptivecards (Chromium) reports %q", name, res.Problems)
		}
		if !strings.Contains(res.Text, m.Subject) || len(res.Buttons) != 1 || !strings.Contains(res.Buttons[0], "in elevate") {
			t.Errorf("%s: rendered text %q, buttons %q; want the subject and one portal button", name, res.Text, res.Buttons)
		}
	}
}

// TestSendErrors: an unknown channel is skipped, a flow that is gone is a
// permanent failure, a server error is retried, and no error shows the
// URL's signature.
func TestSendErrors(t *testing.T) {
	t.Parallel()
	status := http.StatusNotFound
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(status) }))
	t.Cleanup(srv.Close)
	c, err := teams.New(teams.Config{Channels: []teams.Channel{{Name: "ops", URL: srv.URL + "/hook?sig=s3cret"},
		{Name: "down", URL: "http://127.0.0.1:1/hook?sig=s3cret"}}})
	if err != nil {
		t.Fatal(err)
	}
	m := messages()["submitted"]
	var skip notify.SkipError
	if err := c.Send(context.Background(), "nope", m); !errors.As(err, &skip) {
		t.Errorf("unknown channel: %v, want skipped", err)
	}
	var perm *notify.PermanentError
	if err := c.Send(context.Background(), "ops", m); !errors.As(err, &perm) {
		t.Errorf("404: %v, want permanent", err)
	}
	status = http.StatusBadGateway
	if err := c.Send(context.Background(), "ops", m); err == nil || errors.As(err, &perm) {
		t.Errorf("502: %v, want a retry", err)
	}
	err = c.Send(context.Background(), "down", m)
	if err == nil || strings.Contains(err.Error(), "s3cret") || errors.As(err, &perm) {
		t.Errorf("unreachable: %v, want a retry that hides the URL", err)
	}
}

func TestParseChannels(t *testing.T) {
	t.Parallel()
	chs, err := teams.ParseChannels("secops=https://x.example/a?sig=1, oncall=https://x.example/b?sig=2", []string{"oncall"})
	if err != nil || len(chs) != 2 || chs[0].Name != "secops" || chs[0].All || !chs[1].All || chs[1].URL != "https://x.example/b?sig=2" {
		t.Fatalf("parsed %+v, %v", chs, err)
	}
	if _, err := teams.ParseChannels("https://x.example/a?sig=1", nil); err == nil || strings.Contains(err.Error(), "sig=1") {
		t.Errorf("an entry without a name: %v, want an error without the signature", err)
	}
	if _, err := teams.ParseChannels("a=https://x.example/a", []string{"b"}); err == nil {
		t.Error("all names a channel that does not exist, and no error")
	}
	if _, err := teams.New(teams.Config{Channels: []teams.Channel{{Name: "a", URL: "ftp://x"}}}); err == nil {
		t.Error("an ftp URL is accepted")
	}
}
