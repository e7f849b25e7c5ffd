// Package slackfake is a stand-in Slack workspace for tests: the Web API
// elevate calls (users.info, users.lookupByEmail, views.open, views.update,
// views.publish, chat.postMessage, chat.update, response_url), which checks
// every call's arguments against slack-go's types and Slack's documented
// limits, and the Slack client side: it signs and posts slash commands,
// shortcuts, block_actions, block_suggestion, view_submission and
// app_home_opened events as Slack does, keeps each open view's state as a
// user fills it in, and measures how long elevate takes to acknowledge.
package slackfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	goslack "github.com/slack-go/slack"
)

// TriggerTTL is how long Slack accepts a trigger_id for views.open.
const TriggerTTL = 3 * time.Second

// AckTimeout is how long Slack waits for the answer to an interaction, a
// slash command or an event.
const AckTimeout = 3 * time.Second

// User is a member of the workspace.
type User struct {
	ID, Name, Email string
	Unconfirmed     bool // Slack has not confirmed the email
}

// View is a view as Slack holds it.
type View struct {
	ID, Hash, User string
	Type           goslack.ViewType
	CallbackID     string
	Raw            json.RawMessage
	// values the user set, by block id and action id
	values map[string]map[string]goslack.BlockAction
}

// Blocks returns the view's blocks as generic JSON.
func (v View) Blocks() []map[string]any {
	var m struct {
		Blocks []map[string]any `json:"blocks"`
	}
	_ = json.Unmarshal(v.Raw, &m)
	return m.Blocks
}

// Text returns the JSON of the view, for searching.
func (v View) Text() string { return string(v.Raw) }

// Call is one Web API call the workspace received.
type Call struct {
	Method string
	At     time.Time
	Args   string // the form or JSON body
}

// Workspace is the fake.
type Workspace struct {
	t      testing.TB
	srv    *httptest.Server
	secret string
	// AppURL is where elevate serves /slack/...; set before posting.
	AppURL string
	// Delay, when set, is called before each Web API method is served
	// (a slow Slack).
	Delay func(method string)

	mu        sync.Mutex
	users     map[string]User
	triggers  map[string]time.Time
	views     map[string]*View
	homes     map[string]*View
	calls     []Call
	ephemeral map[string][]string // by user id
	problems  []string
	seq       int
	acks      []time.Duration
}

// New starts a workspace whose app has the signing secret; its users are
// given by users.
func New(t testing.TB, secret string, users ...User) *Workspace {
	w := &Workspace{t: t, secret: secret, users: map[string]User{}, triggers: map[string]time.Time{}, views: map[string]*View{},
		homes: map[string]*View{}, ephemeral: map[string][]string{}}
	for _, u := range users {
		w.users[u.ID] = u
	}
	w.srv = httptest.NewServer(http.HandlerFunc(w.serve))
	t.Cleanup(w.srv.Close)
	t.Cleanup(func() {
		for _, p := range w.Problems() {
			t.Errorf("slack: %s", p)
		}
	})
	return w
}

// APIURL is the Web API base for slack.OptionAPIURL.
func (w *Workspace) APIURL() string { return w.srv.URL + "/api/" }

// Problems returns the calls that broke slack-go's types or Slack's limits.
func (w *Workspace) Problems() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.problems)
}

// Calls returns the Web API calls so far.
func (w *Workspace) Calls() []Call {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.calls)
}

// Acks returns how long each post took to be acknowledged.
func (w *Workspace) Acks() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.acks)
}

// Ephemeral returns what the user was told through response_urls.
func (w *Workspace) Ephemeral(user string) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.ephemeral[user])
}

// OpenedView returns the latest view opened for the user (views.open), and
// whether there is one.
func (w *Workspace) OpenedView(user string) (View, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var best *View
	for _, v := range w.views {
		if v.User == user && (best == nil || v.ID > best.ID) {
			best = v
		}
	}
	if best == nil {
		return View{}, false
	}
	return *best, true
}

// View returns the view with the id as it is now.
func (w *Workspace) View(id string) (View, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	v, ok := w.views[id]
	if !ok {
		return View{}, false
	}
	return *v, true
}

// Home returns the user's published Home tab.
func (w *Workspace) Home(user string) (View, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	v, ok := w.homes[user]
	if !ok {
		return View{}, false
	}
	return *v, true
}

func (w *Workspace) problem(f string, a ...any) {
	w.problems = append(w.problems, fmt.Sprintf(f, a...))
}

func writeJSON(rw http.ResponseWriter, v any) {
	rw.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(rw).Encode(v)
}

func slackError(rw http.ResponseWriter, code string) {
	writeJSON(rw, map[string]any{"ok": false, "error": code})
}

func (w *Workspace) serve(rw http.ResponseWriter, r *http.Request) {
	if user, ok := strings.CutPrefix(r.URL.Path, "/response/"); ok {
		var m struct {
			Text string `json:"text"`
		}
		_ = json.NewDecoder(r.Body).Decode(&m)
		w.mu.Lock()
		w.ephemeral[user] = append(w.ephemeral[user], m.Text)
		if n := len(m.Text); n == 0 || n > 40000 {
			w.problem("response_url: a message of %d characters", n)
		}
		w.mu.Unlock()
		return
	}
	method, ok := strings.CutPrefix(r.URL.Path, "/api/")
	if !ok {
		http.NotFound(rw, r)
		return
	}
	if w.Delay != nil {
		w.Delay(method)
	}
	var body []byte
	var form map[string][]string
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var err error
		if body, err = io.ReadAll(r.Body); err != nil {
			slackError(rw, "invalid_json")
			return
		}
	} else {
		if err := r.ParseForm(); err != nil {
			slackError(rw, "invalid_form_data")
			return
		}
		form = r.PostForm
	}
	// slack-go sends the token as a bearer header, or as the form's token.
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer xoxb-") && !strings.HasPrefix(strings.Join(form["token"], ""), "xoxb-") {
		slackError(rw, "not_authed")
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	args := string(body)
	if form != nil {
		args = fmt.Sprint(form)
	}
	w.calls = append(w.calls, Call{Method: method, At: time.Now(), Args: args})
	get := func(k string) string {
		if v := form[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	switch method {
	case "users.info":
		u, ok := w.users[get("user")]
		if !ok {
			slackError(rw, "user_not_found")
			return
		}
		writeJSON(rw, map[string]any{"ok": true, "user": userJSON(u)})
	case "users.lookupByEmail":
		for _, u := range w.users {
			if strings.EqualFold(u.Email, get("email")) {
				writeJSON(rw, map[string]any{"ok": true, "user": userJSON(u)})
				return
			}
		}
		slackError(rw, "users_not_found")
	case "chat.postMessage", "chat.update":
		ch := get("channel")
		if ch == "" || (method == "chat.update" && get("ts") == "") {
			w.problem("%s without channel or ts: %s", method, args)
			slackError(rw, "invalid_arguments")
			return
		}
		w.seq++
		writeJSON(rw, map[string]any{"ok": true, "channel": "D" + ch, "ts": fmt.Sprintf("1700000000.%06d", w.seq)})
	case "views.open":
		w.viewsOpen(rw, body)
	case "views.update":
		w.viewsUpdate(rw, body)
	case "views.publish":
		w.viewsPublish(rw, body)
	default:
		w.problem("unexpected Web API method %s", method)
		slackError(rw, "unknown_method")
	}
}

func userJSON(u User) map[string]any {
	return map[string]any{"id": u.ID, "name": u.Name, "deleted": false, "is_bot": false, "is_email_confirmed": !u.Unconfirmed,
		"profile": map[string]any{"email": u.Email, "real_name": u.Name}}
}

func (w *Workspace) newView(user string, raw json.RawMessage) *View {
	w.seq++
	var head struct {
		Type       goslack.ViewType `json:"type"`
		CallbackID string           `json:"callback_id"`
	}
	_ = json.Unmarshal(raw, &head)
	return &View{ID: fmt.Sprintf("V%08d", w.seq), Hash: fmt.Sprintf("%d.hash", w.seq), User: user, Type: head.Type,
		CallbackID: head.CallbackID, Raw: raw, values: map[string]map[string]goslack.BlockAction{}}
}

func (w *Workspace) viewsOpen(rw http.ResponseWriter, body []byte) {
	var req struct {
		TriggerID string                   `json:"trigger_id"`
		View      goslack.ModalViewRequest `json:"view"`
	}
	var raw struct {
		View json.RawMessage `json:"view"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		w.problem("views.open: the body does not decode as slack-go's request: %v", err)
		slackError(rw, "invalid_arguments")
		return
	}
	_ = json.Unmarshal(body, &raw)
	issued, ok := w.triggers[req.TriggerID]
	switch {
	case !ok:
		w.problem("views.open with an unknown or used trigger_id %q", req.TriggerID)
		slackError(rw, "invalid_trigger_id")
		return
	case time.Since(issued) > TriggerTTL:
		w.problem("views.open %s after the trigger was issued (valid %s)", time.Since(issued), TriggerTTL)
		slackError(rw, "expired_trigger_id")
		return
	}
	user := strings.SplitN(req.TriggerID, ".", 2)[0]
	delete(w.triggers, req.TriggerID)
	if ps := checkView(raw.View, true); len(ps) > 0 {
		for _, p := range ps {
			w.problem("views.open: %s", p)
		}
		slackError(rw, "invalid_arguments")
		return
	}
	v := w.newView(user, raw.View)
	w.views[v.ID] = v
	writeJSON(rw, map[string]any{"ok": true, "view": w.viewJSON(v)})
}

func (w *Workspace) viewJSON(v *View) map[string]any {
	var m map[string]any
	_ = json.Unmarshal(v.Raw, &m)
	m["id"], m["hash"], m["team_id"], m["app_id"], m["root_view_id"] = v.ID, v.Hash, "T0001", "A0001", v.ID
	return m
}

func (w *Workspace) viewsUpdate(rw http.ResponseWriter, body []byte) {
	var req struct {
		View   goslack.ModalViewRequest `json:"view"`
		ViewID string                   `json:"view_id"`
		Hash   string                   `json:"hash"`
	}
	var raw struct {
		View json.RawMessage `json:"view"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		w.problem("views.update: the body does not decode as slack-go's request: %v", err)
		slackError(rw, "invalid_arguments")
		return
	}
	_ = json.Unmarshal(body, &raw)
	v, ok := w.views[req.ViewID]
	if !ok {
		w.problem("views.update of unknown view %q", req.ViewID)
		slackError(rw, "not_found")
		return
	}
	if req.Hash != "" && req.Hash != v.Hash {
		slackError(rw, "hash_conflict")
		return
	}
	if ps := checkView(raw.View, true); len(ps) > 0 {
		for _, p := range ps {
			w.problem("views.update: %s", p)
		}
		slackError(rw, "invalid_arguments")
		return
	}
	w.seq++
	v.Raw, v.Hash, v.CallbackID = raw.View, fmt.Sprintf("%d.hash", w.seq), req.View.CallbackID
	writeJSON(rw, map[string]any{"ok": true, "view": w.viewJSON(v)})
}

func (w *Workspace) viewsPublish(rw http.ResponseWriter, body []byte) {
	var req goslack.PublishViewContextRequest
	var raw struct {
		View json.RawMessage `json:"view"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		w.problem("views.publish: the body does not decode as slack-go's request: %v", err)
		slackError(rw, "invalid_arguments")
		return
	}
	_ = json.Unmarshal(body, &raw)
	if _, ok := w.users[req.UserID]; !ok {
		w.problem("views.publish for unknown user %q", req.UserID)
		slackError(rw, "user_not_found")
		return
	}
	if ps := checkView(raw.View, false); len(ps) > 0 {
		for _, p := range ps {
			w.problem("views.publish: %s", p)
		}
		slackError(rw, "invalid_arguments")
		return
	}
	v := w.newView(req.UserID, raw.View)
	w.homes[req.UserID] = v
	writeJSON(rw, map[string]any{"ok": true, "view": w.viewJSON(v)})
}
