package slack

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	goslack "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/elevate/elevate/internal/access"
)

// The paths Slack posts to: interactions (buttons, the modal, the account
// typeahead, the shortcut), the slash command and the Events API (App Home).
const (
	PathInteractions = "/slack/interactions"
	PathCommands     = "/slack/commands"
	PathEvents       = "/slack/events"
)

// AskConfig configures asking for access from Slack (the slash command,
// the global shortcut and the request modal) and the App Home.
type AskConfig struct {
	// PublicURL is the portal's URL, for links to requests.
	PublicURL string
	// AckBudget is how long a handler waits for slow work before it answers
	// Slack without it. Default DefaultAckBudget.
	AckBudget time.Duration
	// SuggestTTL is how long the account typeahead reuses a user's offers
	// between keystrokes. Default DefaultSuggestTTL; negative: never.
	SuggestTTL time.Duration
}

// DefaultSuggestTTL is how long the account typeahead reuses what the
// policy offers a user: one lookup per typing burst instead of one per
// keystroke. The options are only suggestions: choosing an account and
// submitting read the policy afresh.
const DefaultSuggestTTL = 30 * time.Second

// asker serves the slash command, the shortcut, the request modal and the
// App Home. It decides through Requests, as the Slack user's directory user.
type asker struct {
	in  *Interactions
	req Requests
	cfg AskConfig
	log *slog.Logger

	mu     sync.Mutex
	offers map[string]cachedOffers // by directory user id, for the typeahead

	// homeMu orders App Home publications per Slack user (publishHome).
	homeMu sync.Mutex
	homes  map[string]*homeOrder
}

type cachedOffers struct {
	offers []Offer
	until  time.Time
}

// suggestOffers returns the actor's offers for the typeahead, reused for
// SuggestTTL.
func (a *asker) suggestOffers(ctx context.Context, actor access.Actor) ([]Offer, error) {
	now := a.in.now()
	a.mu.Lock()
	c, ok := a.offers[actor.UserID]
	a.mu.Unlock()
	if ok && now.Before(c.until) {
		return c.offers, nil
	}
	offers, err := a.req.Offers(ctx, actor)
	if err != nil || a.cfg.SuggestTTL < 0 {
		return offers, err
	}
	a.mu.Lock()
	if a.offers == nil || len(a.offers) > 1000 {
		a.offers = map[string]cachedOffers{} // bounded: start over rather than grow
	}
	a.offers[actor.UserID] = cachedOffers{offers: offers, until: now.Add(a.cfg.SuggestTTL)}
	a.mu.Unlock()
	return offers, nil
}

// NewInteractionsWithRequests returns the interaction endpoint with asking
// for access from Slack and the App Home turned on: it serves
// PathInteractions, PathCommands and PathEvents.
func NewInteractionsWithRequests(c *Client, req Requests, portalOnly func(string) bool, log *slog.Logger, now func() time.Time, cfg AskConfig) (*Interactions, error) {
	h, err := NewInteractions(c, req, portalOnly, log, now)
	if err != nil {
		return nil, err
	}
	if req == nil {
		return nil, errors.New("slack: requests from Slack need the request use cases")
	}
	if cfg.AckBudget <= 0 {
		cfg.AckBudget = DefaultAckBudget
	}
	if cfg.SuggestTTL == 0 {
		cfg.SuggestTTL = DefaultSuggestTTL
	}
	h.ask = &asker{in: h, req: req, cfg: cfg, log: h.log}
	return h, nil
}

// serveAsk serves the slash command and the Events API after checking
// Slack's signature.
func (h *Interactions) serveAsk(w http.ResponseWriter, r *http.Request) {
	if h.ask == nil {
		writeReply(w, http.StatusNotFound, reply{Code: "not_found", Text: "requests from Slack are off"})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return
	}
	if err := Verify(h.client.cfg.SigningSecret, r.Header.Get("X-Slack-Request-Timestamp"), r.Header.Get("X-Slack-Signature"), body, h.now()); err != nil {
		h.log.WarnContext(r.Context(), "slack request refused", "path", r.URL.Path, "reason", err.Error(), "remote", r.RemoteAddr)
		writeReply(w, http.StatusUnauthorized, reply{Code: "unauthenticated", Text: err.Error()})
		return
	}
	if r.URL.Path == PathEvents {
		h.ask.event(w, r, body)
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		writeReply(w, http.StatusBadRequest, reply{Code: "invalid_argument", Text: "the body is not a form"})
		return
	}
	h.ask.command(w, r, commandOf(form), h.now())
}

// commandOf reads a slash command's form (Slack's field names, as slack-go
// reads them).
func commandOf(f url.Values) goslack.SlashCommand {
	return goslack.SlashCommand{TeamID: f.Get("team_id"), ChannelID: f.Get("channel_id"), UserID: f.Get("user_id"),
		UserName: f.Get("user_name"), Command: f.Get("command"), Text: f.Get("text"), ResponseURL: f.Get("response_url"),
		TriggerID: f.Get("trigger_id"), APIAppID: f.Get("api_app_id")}
}

// event serves the Events API: the URL check when the app is set up, and
// app_home_opened, which publishes the user's App Home after the answer.
func (a *asker) event(w http.ResponseWriter, r *http.Request, body []byte) {
	ev, err := slackevents.ParseEvent(body, slackevents.OptionNoVerifyToken())
	if err != nil {
		writeReply(w, http.StatusBadRequest, reply{Code: "invalid_argument", Text: "the body is not an Events API event"})
		return
	}
	switch ev.Type {
	case slackevents.URLVerification:
		var ch slackevents.ChallengeResponse
		_ = json.Unmarshal(body, &ch)
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, ch.Challenge)
		return
	case slackevents.CallbackEvent:
		if home, ok := ev.InnerEvent.Data.(*slackevents.AppHomeOpenedEvent); ok && home.Tab == "home" {
			background(r.Context(), func(ctx context.Context) { a.publishHome(ctx, home.User, "") })
		}
	}
	w.WriteHeader(http.StatusOK)
}

// interaction dispatches an interaction that is not a decision from a DM.
func (a *asker) interaction(w http.ResponseWriter, r *http.Request, cb goslack.InteractionCallback) {
	ctx := r.Context()
	switch cb.Type {
	case goslack.InteractionTypeShortcut:
		if cb.CallbackID == CallbackRequest {
			background(ctx, func(ctx context.Context) { a.openRequest(ctx, cb.User.ID, cb.TriggerID, form{}, nil) })
		}
		w.WriteHeader(http.StatusOK)
	case goslack.InteractionTypeBlockSuggestion:
		a.suggest(w, r, cb)
	case goslack.InteractionTypeViewSubmission:
		switch cb.View.CallbackID {
		case CallbackRequest:
			a.submitModal(w, r, cb)
		case CallbackExtend:
			a.submitExtend(w, r, cb)
		default:
			w.WriteHeader(http.StatusOK)
		}
	case goslack.InteractionTypeBlockActions:
		a.blockActions(ctx, cb)
		w.WriteHeader(http.StatusOK)
	default:
		w.WriteHeader(http.StatusOK)
	}
}

// blockActions handles a press or a choice in the request modal or the App
// Home. Slack is answered at once; the work (and any view it changes) comes after.
func (a *asker) blockActions(ctx context.Context, cb goslack.InteractionCallback) {
	if len(cb.ActionCallback.BlockActions) == 0 || cb.ActionCallback.BlockActions[0] == nil {
		return
	}
	act := *cb.ActionCallback.BlockActions[0]
	switch {
	case cb.View.CallbackID == CallbackRequest && (act.ActionID == ActionAccount || act.ActionID == ActionPermissionSet):
		background(ctx, func(ctx context.Context) { a.refreshModal(ctx, cb) })
	case cb.View.Type == goslack.VTHomeTab || strings.HasPrefix(act.ActionID, "home_"):
		if act.ActionID == ActionHomeExtend {
			// The trigger is valid for 3 seconds: the modal opens first,
			// with nothing that needs the database.
			background(ctx, func(ctx context.Context) { a.openExtend(ctx, cb.TriggerID, act.Value, "") })
			return
		}
		if act.ActionID == ActionHomeRequest {
			background(ctx, func(ctx context.Context) { a.openRequest(ctx, cb.User.ID, cb.TriggerID, form{}, nil) })
			return
		}
		background(ctx, func(ctx context.Context) { a.homeAction(ctx, cb.User.ID, act) })
	}
}

// refusalText is what the user is told about a failed use case.
func refusalText(err error) string {
	if errors.Is(err, errSlackLookup) {
		return "elevate could not look you up in Slack; try again or use the portal"
	}
	var ae *access.Error
	if errors.As(err, &ae) {
		return ae.Message
	}
	return "elevate could not do that just now; try again or use the portal"
}

// ephemeral tells the user text through a response_url (only they see it).
func (a *asker) ephemeral(ctx context.Context, responseURL, text string) {
	if responseURL != "" {
		a.in.tell(ctx, responseURL, text)
	}
}
