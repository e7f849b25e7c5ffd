package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/say"
)

// Workflow is what the interaction endpoint needs: the same use cases the
// portal calls (*workflow.Service satisfies it), so the same authorization
// applies: approvers only, no self-approval, N-of-M.
type Workflow interface {
	ActorByEmail(ctx context.Context, email string, via access.Via) (access.Actor, error)
	GetRequest(ctx context.Context, actor access.Actor, id string) (*access.Request, error)
	Approve(ctx context.Context, actor access.Actor, id, comment string) (*access.Request, error)
	Reject(ctx context.Context, actor access.Actor, id, comment string) (*access.Request, error)
}

// Interactions serves POST /slack/interactions. It is exempt from the
// server's cross-origin protection (Slack posts from its servers), and
// authenticates every request by Slack's signature instead.
type Interactions struct {
	client     *Client
	wf         Workflow
	reminders  Reminders // nil when wf has no Extend and End
	portalOnly func(permissionSetName string) bool
	log        *slog.Logger
	now        func() time.Time
	emails     emails
	// ask serves what is not a decision from a DM (the request modal, the
	// App Home, the slash command and events); nil when requesting from
	// Slack is off.
	ask *asker
}

// NewInteractions returns the interaction endpoint. portalOnly reports the
// permission sets whose approvals need a portal sign-in (nil: none).
func NewInteractions(c *Client, wf Workflow, portalOnly func(string) bool, log *slog.Logger, now func() time.Time) (*Interactions, error) {
	if c == nil || wf == nil {
		return nil, errors.New("slack: interactions need a client and a workflow")
	}
	if c.cfg.SigningSecret == "" {
		return nil, errors.New("slack: interactions need the signing secret")
	}
	if portalOnly == nil {
		portalOnly = func(string) bool { return false }
	}
	if log == nil {
		log = slog.Default()
	}
	if now == nil {
		now = time.Now
	}
	rem, _ := wf.(Reminders)
	return &Interactions{client: c, wf: wf, reminders: rem, portalOnly: portalOnly, log: log, now: now}, nil
}

// reply is the endpoint's answer, also sent to the user (ephemeral) through
// the payload's response_url.
type reply struct {
	OK   bool   `json:"ok"`
	Code string `json:"code,omitempty"`
	Text string `json:"text"`
}

// ServeHTTP handles one interaction payload.
func (h *Interactions) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == PathCommands || r.URL.Path == PathEvents {
		h.serveAsk(w, r)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return
	}
	ts, sig := r.Header.Get("X-Slack-Request-Timestamp"), r.Header.Get("X-Slack-Signature")
	cb, dec, err := ParseInteraction(h.client.cfg.SigningSecret, ts, sig, body, h.now())
	switch {
	case errors.Is(err, ErrBadSignature) || errors.Is(err, ErrStale):
		h.log.WarnContext(r.Context(), "slack interaction refused", "reason", err.Error(), "remote", r.RemoteAddr)
		writeReply(w, http.StatusUnauthorized, reply{Code: "unauthenticated", Text: err.Error()})
		return
	case errors.Is(err, ErrNotForm):
		writeReply(w, http.StatusBadRequest, reply{Code: "invalid_argument", Text: "the body is not a form"})
		return
	case err != nil:
		writeReply(w, http.StatusBadRequest, reply{Code: "invalid_argument", Text: "the payload is not an interaction"})
		return
	}
	rep := reply{OK: true, Text: "ignored"} // not a decision: the portal link, the comment box
	if dec == nil && h.ask != nil {
		h.ask.interaction(w, r, cb)
		return
	}
	if dec != nil {
		rep = h.decideWithin(r.Context(), cb.ResponseURL, *dec)
	}
	if !rep.OK && cb.ResponseURL != "" {
		h.tell(r.Context(), cb.ResponseURL, rep.Text)
	}
	writeReply(w, http.StatusOK, rep)
}

// handle carries out a decision, as the Slack user's directory user.
func (h *Interactions) handle(ctx context.Context, dec Decision) reply {
	actor, err := h.actorOf(ctx, dec.SlackUserID)
	if errors.Is(err, errSlackLookup) {
		return reply{Code: "unavailable", Text: "elevate could not look you up in Slack; try again or use the portal"}
	}
	if err != nil {
		return refusal(err)
	}
	if isReminderAction(dec.ActionID) {
		return h.remind(ctx, actor, dec)
	}
	id := dec.RequestID
	req, err := h.wf.GetRequest(ctx, actor, id)
	if err != nil {
		return refusal(err)
	}
	if h.portalOnly(req.PermissionSetName) {
		return reply{Code: "forbidden", Text: fmt.Sprintf("approvals of %s need a portal sign-in", req.PermissionSetName)}
	}
	comment := dec.Comment
	decide, verb := h.wf.Approve, "approved"
	if dec.ActionID == ActionReject {
		decide, verb = h.wf.Reject, "rejected"
	}
	out, err := decide(ctx, actor, id, comment)
	if err != nil {
		return refusal(err)
	}
	h.log.InfoContext(ctx, "decided in slack", "request_id", id, "actor", actor.UserName, "verdict", dec.ActionID, "status", out.Status)
	return reply{OK: true, Text: fmt.Sprintf("You %s request %s (now %s).", verb, id, say.Status(string(out.Status)))}
}

// refusal turns a workflow error into what the user is told.
func refusal(err error) reply {
	var ae *access.Error
	if errors.As(err, &ae) {
		return reply{Code: string(ae.Code), Text: ae.Message}
	}
	return reply{Code: "internal", Text: "elevate could not record your decision; try again or use the portal"}
}

// tell sends text to the user alone (ephemeral), best effort.
func (h *Interactions) tell(ctx context.Context, responseURL, text string) {
	b, _ := json.Marshal(map[string]any{"response_type": "ephemeral", "replace_original": false, "text": text})
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, responseURL, bytes.NewReader(b))
	if err != nil {
		return
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := h.client.cfg.HTTPClient.Do(req)
	if err != nil {
		h.log.WarnContext(ctx, "slack interaction: response_url", "error", err.Error())
		return
	}
	_ = resp.Body.Close()
}

func writeReply(w http.ResponseWriter, status int, rep reply) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(rep)
}
