// Package slacklocal is the demo's Slack without a workspace: a local
// stand-in for the few Web API methods elevate calls (users.lookupByEmail,
// users.info, chat.postMessage, chat.update, views.open, views.update,
// views.publish, and the response_url of an interaction), answering with
// the shapes Slack documents, and a "click" that presses a button of a
// message the way Slack does: a block_actions payload, signed with the
// app's signing secret, posted to elevate's own /slack/interactions.
//
// It is for `elevate demo` only: it knows the demo's users by email, keeps
// nothing but the last messages it was sent, and is never configured by a
// configuration key.
package slacklocal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/notify/slack"
)

// User is a member of the stand-in workspace.
type User struct{ Name, Email string }

// Workspace is the stand-in.
type Workspace struct {
	secret string
	byID   map[string]User
	byMail map[string]string // email -> id

	mu  sync.Mutex
	seq int
	// replies are what elevate told users through response_urls, by user id.
	replies map[string][]string
}

// New returns a workspace of users whose app signs with secret.
func New(secret string, users ...User) *Workspace {
	w := &Workspace{secret: secret, byID: map[string]User{}, byMail: map[string]string{}, replies: map[string][]string{}}
	for _, u := range users {
		id := UserID(u.Name)
		w.byID[id] = u
		w.byMail[strings.ToLower(u.Email)] = id
	}
	return w
}

// UserID is the Slack id the workspace gives a user name ("U" and the
// name in capitals, as Slack's ids look).
func UserID(name string) string { return "U" + strings.ToUpper(name) }

// IDByEmail returns the Slack id of the member with the email.
func (w *Workspace) IDByEmail(email string) (string, bool) {
	id, ok := w.byMail[strings.ToLower(email)]
	return id, ok
}

// ServeHTTP serves /api/<method> and /response/<user>.
func (w *Workspace) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if id, ok := strings.CutPrefix(r.URL.Path, "/response/"); ok {
		var m struct {
			Text string `json:"text"`
		}
		_ = json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&m)
		w.mu.Lock()
		w.replies[id] = append(w.replies[id], m.Text)
		w.mu.Unlock()
		rw.WriteHeader(http.StatusOK)
		return
	}
	method, ok := strings.CutPrefix(r.URL.Path, "/api/")
	if !ok {
		http.NotFound(rw, r)
		return
	}
	_ = r.ParseForm() // form or JSON: the arguments the demo needs are few
	var body map[string]any
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		_ = json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body)
	}
	arg := func(k string) string {
		if v := r.Form.Get(k); v != "" {
			return v
		}
		if s, ok := body[k].(string); ok {
			return s
		}
		return ""
	}
	out := map[string]any{"ok": true}
	switch method {
	case "users.lookupByEmail":
		id, ok := w.IDByEmail(arg("email"))
		if !ok {
			out = map[string]any{"ok": false, "error": "users_not_found"}
			break
		}
		out["user"] = w.userJSON(id)
	case "users.info":
		if _, ok := w.byID[arg("user")]; !ok {
			out = map[string]any{"ok": false, "error": "user_not_found"}
			break
		}
		out["user"] = w.userJSON(arg("user"))
	case "chat.postMessage", "chat.update":
		w.mu.Lock()
		w.seq++
		ts := fmt.Sprintf("%d.%06d", time.Now().Unix(), w.seq)
		w.mu.Unlock()
		ch := arg("channel")
		if strings.HasPrefix(ch, "U") {
			ch = "D" + ch[1:] // a DM's channel
		}
		if method == "chat.update" {
			ts = arg("ts")
		}
		out["channel"], out["ts"] = ch, ts
		out["message"] = map[string]any{"text": arg("text"), "ts": ts}
	case "views.open", "views.update", "views.publish":
		w.mu.Lock()
		w.seq++
		id := fmt.Sprintf("V%06d", w.seq)
		w.mu.Unlock()
		out["view"] = map[string]any{"id": id, "hash": id}
	default:
		out = map[string]any{"ok": false, "error": "unknown_method"}
	}
	rw.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(rw).Encode(out)
}

func (w *Workspace) userJSON(id string) map[string]any {
	u := w.byID[id]
	return map[string]any{"id": id, "name": u.Name, "real_name": u.Name, "team_id": "TDEMO",
		"profile": map[string]any{"email": u.Email, "real_name": u.Name, "display_name": u.Name}, "is_email_confirmed": true}
}

// Replies returns what elevate told the user through response_urls.
func (w *Workspace) Replies(userID string) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.replies[userID]...)
}

// Press presses a button of a message elevate sent the member with email,
// as Slack does: a block_actions payload with the message's comment box,
// signed with the app's secret and posted to appURL's /slack/interactions,
// with a response_url back to this workspace at selfURL. It returns
// elevate's answer.
func (w *Workspace) Press(ctx context.Context, appURL, selfURL, email, blockID, actionID, value, comment string) (string, error) {
	id, ok := w.IDByEmail(email)
	if !ok {
		return "", fmt.Errorf("no Slack member has the email %q", email)
	}
	u := w.byID[id]
	payload := map[string]any{
		"type": "block_actions", "token": "unused", "api_app_id": "ADEMO", "trigger_id": id + ".trigger",
		"team":         map[string]any{"id": "TDEMO", "domain": "demo"},
		"user":         map[string]any{"id": id, "username": u.Name, "name": u.Name, "team_id": "TDEMO"},
		"container":    map[string]any{"type": "message", "message_ts": "1.000001", "channel_id": "D" + id[1:]},
		"channel":      map[string]any{"id": "D" + id[1:]},
		"response_url": strings.TrimRight(selfURL, "/") + "/response/" + id,
		"state": map[string]any{"values": map[string]any{
			slack.BlockComment: map[string]any{slack.ActionComment: map[string]any{"type": "plain_text_input", "value": comment}},
		}},
		"actions": []map[string]any{{"type": "button", "action_id": actionID, "block_id": blockID, "value": value,
			"action_ts": strconv.FormatInt(time.Now().Unix(), 10) + ".000001"}},
	}
	b, err := json.Marshal(payload)
	if err != nil {
		return "", err
	}
	body := []byte("payload=" + url.QueryEscape(string(b)))
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(appURL, "/")+slack.PathInteractions, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", slack.Sign(w.secret, ts, body))
	// Slack waits 3 s for the answer.
	c := &http.Client{Timeout: 3 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return "", fmt.Errorf("post the click to elevate: %w", err)
	}
	defer resp.Body.Close()
	var rep struct {
		OK   bool   `json:"ok"`
		Code string `json:"code"`
		Text string `json:"text"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&rep); err != nil {
		return "", fmt.Errorf("elevate answered the click with %s and no JSON", resp.Status)
	}
	if resp.StatusCode != http.StatusOK || !rep.OK {
		// elevate's refusal, as the user would read it in Slack.
		code := access.Code(rep.Code)
		if code == "" || code == access.CodeInternal {
			return "", errors.New(rep.Text)
		}
		return "", &access.Error{Code: code, Message: rep.Text}
	}
	return rep.Text, nil
}
