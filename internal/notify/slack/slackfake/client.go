package slackfake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	goslack "github.com/slack-go/slack"
)

// legacyToken is the verification token Slack still puts in payloads;
// elevate ignores it (it checks the signature).
const legacyToken = "verification-token-unused" //nolint:gosec // not a credential: a fixed placeholder

// sign returns Slack's headers for body sent now.
func (w *Workspace) sign(body []byte) (string, string) {
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	return ts, signature(w.secret, ts, body)
}

// Post signs body as Slack does and posts it to the app's path, waiting
// for the answer as long as Slack does (3 s): a slower answer is a test
// failure, since Slack would have shown the user an error.
func (w *Workspace) Post(path, contentType string, body []byte) (int, []byte) {
	w.t.Helper()
	ts, sig := w.sign(body)
	req, err := http.NewRequest(http.MethodPost, w.AppURL+path, bytes.NewReader(body))
	if err != nil {
		w.t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", sig)
	c := &http.Client{Timeout: AckTimeout}
	start := time.Now()
	resp, err := c.Do(req)
	elapsed := time.Since(start)
	w.mu.Lock()
	w.acks = append(w.acks, elapsed)
	w.mu.Unlock()
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		w.t.Errorf("POST %s was not acknowledged within Slack's %s", path, AckTimeout)
		return 0, nil
	}
	if err != nil {
		w.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// trigger issues a trigger_id for the user, valid for TriggerTTL and once.
func (w *Workspace) trigger(user string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.seq++
	id := fmt.Sprintf("%s.%d.trigger", user, w.seq)
	w.triggers[id] = time.Now()
	return id
}

func (w *Workspace) userJSON(id string) map[string]any {
	w.mu.Lock()
	defer w.mu.Unlock()
	u := w.users[id]
	return map[string]any{"id": u.ID, "username": u.Name, "name": u.Name, "team_id": "T0001"}
}

// postPayload posts an interaction payload (form field payload).
func (w *Workspace) postPayload(p map[string]any) (int, []byte) {
	w.t.Helper()
	p["token"], p["api_app_id"], p["team"] = legacyToken, "A0001", map[string]any{"id": "T0001", "domain": "example"}
	b, err := json.Marshal(p)
	if err != nil {
		w.t.Fatal(err)
	}
	return w.Post("/slack/interactions", "application/x-www-form-urlencoded", []byte("payload="+url.QueryEscape(string(b))))
}

// Command runs the slash command as the user (the form body Slack sends).
func (w *Workspace) Command(user, command, text string) (int, []byte) {
	w.t.Helper()
	f := url.Values{"token": {legacyToken}, "team_id": {"T0001"}, "team_domain": {"example"}, "channel_id": {"C0001"},
		"channel_name": {"ops"}, "user_id": {user}, "user_name": {w.users[user].Name}, "command": {command}, "text": {text},
		"api_app_id": {"A0001"}, "is_enterprise_install": {"false"}, "response_url": {w.srv.URL + "/response/" + user},
		"trigger_id": {w.trigger(user)}}
	return w.Post("/slack/commands", "application/x-www-form-urlencoded", []byte(f.Encode()))
}

// Shortcut runs the global shortcut with the callback id as the user.
func (w *Workspace) Shortcut(user, callbackID string) (int, []byte) {
	w.t.Helper()
	return w.postPayload(map[string]any{"type": "shortcut", "callback_id": callbackID, "trigger_id": w.trigger(user),
		"action_ts": "1700000000.000001", "user": w.userJSON(user), "is_enterprise_install": false})
}

// viewPayload is the view as Slack sends it in payloads, with its state.
func (w *Workspace) viewPayload(id string) map[string]any {
	w.mu.Lock()
	defer w.mu.Unlock()
	v, ok := w.views[id]
	if !ok {
		v = w.homes[strings.TrimPrefix(id, "home:")]
	}
	if v == nil && strings.HasPrefix(id, "home:") {
		// A Home tab published before this test's workspace started.
		return map[string]any{"type": "home", "id": "VHOME", "team_id": "T0001", "app_id": "A0001", "state": map[string]any{"values": map[string]any{}}}
	}
	if v == nil {
		w.t.Fatalf("no view %s", id)
	}
	m := w.viewJSON(v)
	m["state"] = map[string]any{"values": w.state(v)}
	return m
}

// state is the view's input values: what the user set, else the
// elements' initial values, as Slack reports them.
func (w *Workspace) state(v *View) map[string]map[string]goslack.BlockAction {
	out := map[string]map[string]goslack.BlockAction{}
	for _, b := range v.Blocks() {
		if b["type"] != "input" {
			continue
		}
		bid, _ := b["block_id"].(string)
		el, _ := b["element"].(map[string]any)
		aid, _ := el["action_id"].(string)
		typ, _ := el["type"].(string)
		a := goslack.BlockAction{Type: goslack.ActionType(typ)}
		if set, ok := v.values[bid][aid]; ok {
			a = set
		} else {
			if o, ok := el["initial_option"].(map[string]any); ok {
				a.SelectedOption = optionOf(o)
			}
			if s, ok := el["initial_value"].(string); ok {
				a.Value = s
			}
			if n, ok := el["initial_date_time"].(float64); ok {
				a.SelectedDateTime = int64(n)
			}
		}
		out[bid] = map[string]goslack.BlockAction{aid: a}
	}
	return out
}

func optionOf(o map[string]any) goslack.OptionBlockObject {
	t, _ := o["text"].(map[string]any)
	text, _ := t["text"].(string)
	value, _ := o["value"].(string)
	return goslack.OptionBlockObject{Text: &goslack.TextBlockObject{Type: goslack.PlainTextType, Text: text}, Value: value}
}

// set records what the user chose or typed in an input of the view.
func (w *Workspace) set(viewID, blockID, actionID string, a goslack.BlockAction) {
	w.mu.Lock()
	defer w.mu.Unlock()
	v, ok := w.views[viewID]
	if !ok {
		w.t.Fatalf("no view %s", viewID)
	}
	if v.values[blockID] == nil {
		v.values[blockID] = map[string]goslack.BlockAction{}
	}
	v.values[blockID][actionID] = a
}

// Type types text into a text input of the view (Slack sends nothing).
func (w *Workspace) Type(viewID, blockID, actionID, text string) {
	w.set(viewID, blockID, actionID, goslack.BlockAction{Type: "plain_text_input", Value: text})
}

// PickDateTime sets a datetimepicker of the view (Slack sends nothing).
func (w *Workspace) PickDateTime(viewID, blockID, actionID string, t time.Time) {
	w.set(viewID, blockID, actionID, goslack.BlockAction{Type: "datetimepicker", SelectedDateTime: t.Unix()})
}

// Suggest types query into an external select of the view: Slack asks
// the app for options (block_suggestion). It returns the options, checked
// against Slack's limits.
func (w *Workspace) Suggest(user, viewID, blockID, actionID, query string) []*goslack.OptionBlockObject {
	w.t.Helper()
	st, body := w.postPayload(map[string]any{"type": "block_suggestion", "user": w.userJSON(user), "action_id": actionID,
		"block_id": blockID, "value": query, "container": map[string]any{"type": "view", "view_id": viewID}, "view": w.viewPayload(viewID)})
	if st != http.StatusOK {
		w.t.Fatalf("block_suggestion: %d %s", st, body)
	}
	out, probs := CheckOptions(body)
	for _, p := range probs {
		w.t.Errorf("block_suggestion answer: %s", p)
	}
	return out.Options
}

// Select chooses an option in a select of the view; when the input
// dispatches actions (or the select is in an actions block), Slack sends
// block_actions.
func (w *Workspace) Select(user, viewID, blockID, actionID, elementType string, opt *goslack.OptionBlockObject) (int, []byte) {
	w.t.Helper()
	a := goslack.BlockAction{Type: goslack.ActionType(elementType), ActionID: actionID, BlockID: blockID, SelectedOption: *opt,
		ActionTs: "1700000000.000002"}
	w.set(viewID, blockID, actionID, a)
	return w.postPayload(map[string]any{"type": "block_actions", "user": w.userJSON(user), "trigger_id": w.trigger(user),
		"container": map[string]any{"type": "view", "view_id": viewID}, "view": w.viewPayload(viewID), "actions": []goslack.BlockAction{a}})
}

// Submit presses the modal's submit button (view_submission) and returns
// the app's answer.
func (w *Workspace) Submit(user, viewID string) (goslack.ViewSubmissionResponse, int) {
	w.t.Helper()
	st, body := w.postPayload(map[string]any{"type": "view_submission", "user": w.userJSON(user), "trigger_id": w.trigger(user),
		"view": w.viewPayload(viewID), "response_urls": []any{}, "is_enterprise_install": false})
	var out goslack.ViewSubmissionResponse
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &out); err != nil {
			w.t.Errorf("view_submission answer does not decode as slack-go's ViewSubmissionResponse: %v (%s)", err, body)
		}
	}
	v, _ := w.View(viewID)
	switch out.ResponseAction {
	case goslack.RAErrors:
		inputs := map[string]bool{}
		for _, b := range v.Blocks() {
			if b["type"] == "input" {
				inputs[b["block_id"].(string)] = true
			}
		}
		for k := range out.Errors {
			if !inputs[k] {
				w.t.Errorf("view_submission error keyed by %q, which is not an input block of the view", k)
			}
		}
	case goslack.RAUpdate:
		raw, _ := json.Marshal(out.View)
		if ps := checkView(raw, true); len(ps) > 0 {
			w.t.Errorf("view_submission update: %v", ps)
		}
		w.mu.Lock()
		w.seq++
		vv := w.views[viewID]
		vv.Raw, vv.Hash, vv.CallbackID, vv.values = raw, fmt.Sprintf("%d.hash", w.seq), out.View.CallbackID, map[string]map[string]goslack.BlockAction{}
		w.mu.Unlock()
	case goslack.RAClear, "":
		w.mu.Lock()
		delete(w.views, viewID)
		w.mu.Unlock()
	}
	return out, st
}

// OpenHome opens the App Home tab as the user (event_callback app_home_opened).
func (w *Workspace) OpenHome(user string) (int, []byte) {
	w.t.Helper()
	b, _ := json.Marshal(map[string]any{"token": legacyToken, "team_id": "T0001", "api_app_id": "A0001", "type": "event_callback",
		"event_id": "Ev0001", "event_time": time.Now().Unix(), "event": map[string]any{"type": "app_home_opened", "user": user,
			"channel": "D" + user, "event_ts": "1700000000.000003", "tab": "home"}})
	return w.Post("/slack/events", "application/json", b)
}

// PressHome presses a button of the user's Home tab.
func (w *Workspace) PressHome(user, blockID, actionID, value string) (int, []byte) {
	w.t.Helper()
	a := goslack.BlockAction{Type: "button", ActionID: actionID, BlockID: blockID, Value: value, ActionTs: "1700000000.000004"}
	return w.postPayload(map[string]any{"type": "block_actions", "user": w.userJSON(user), "trigger_id": w.trigger(user),
		"container": map[string]any{"type": "view", "view_id": "home"}, "view": w.viewPayload("home:" + user), "actions": []goslack.BlockAction{a}})
}

// signature is Slack's v0 signature (as elevate's slack.Sign computes it,
// written out here so the fake does not trust the code under test).
func signature(secret, ts string, body []byte) string {
	return "v0=" + hmacHex(secret, "v0:"+ts+":"+string(body))
}

// Values returns the view's current input values (for assertions).
func (w *Workspace) Values(viewID string) map[string]map[string]goslack.BlockAction {
	w.mu.Lock()
	defer w.mu.Unlock()
	if v, ok := w.views[viewID]; ok {
		return w.state(v)
	}
	return nil
}

// PressMessage presses a button of a message the app sent the user (a DM):
// block_actions with the message's response_url.
func (w *Workspace) PressMessage(user, blockID, actionID, value string) (int, []byte) {
	w.t.Helper()
	a := goslack.BlockAction{Type: "button", ActionID: actionID, BlockID: blockID, Value: value, ActionTs: "1700000000.000005"}
	return w.postPayload(map[string]any{"type": "block_actions", "user": w.userJSON(user), "trigger_id": w.trigger(user),
		"container": map[string]any{"type": "message", "message_ts": "1700000000.000001", "channel_id": "D" + user},
		"channel":   map[string]any{"id": "D" + user}, "response_url": w.srv.URL + "/response/" + user,
		"state": map[string]any{"values": map[string]any{}}, "actions": []goslack.BlockAction{a}})
}

// PostSignedWith posts body signed with another secret (refusal tests).
func (w *Workspace) PostSignedWith(secret, path, contentType string, body []byte) int {
	w.t.Helper()
	saved := w.secret
	w.secret = secret
	defer func() { w.secret = saved }()
	st, _ := w.Post(path, contentType, body)
	return st
}
