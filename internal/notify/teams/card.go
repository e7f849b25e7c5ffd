package teams

import (
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/notify"
)

// CardVersion is the Adaptive Card schema version the cards use.
const CardVersion = "1.5"

// ContentType is the attachment type of an Adaptive Card.
const ContentType = "application/vnd.microsoft.card.adaptive"

// Envelope wraps card in the message Teams Workflows' "Send webhook alerts
// to a channel" flow expects: a message whose one attachment is the card.
func Envelope(card map[string]any) map[string]any {
	return map[string]any{
		"type": "message",
		"attachments": []any{map[string]any{
			"contentType": ContentType,
			"contentUrl":  nil,
			"content":     card,
		}},
	}
}

// Kind names the card of an event: submitted, decided, active, ending
// soon, ended (and escalated, cancelled, expired, which read as decisions).
func Kind(t access.EventType) string {
	switch t {
	case access.EventSubmitted:
		return "submitted"
	case access.EventApproved, access.EventRejected, access.EventCancelled, access.EventExpired, notify.EventEscalated:
		return "decided"
	case access.EventActivated:
		return "active"
	case notify.EventEndingSoon:
		return "ending soon"
	case access.EventEnded, access.EventRevoked:
		return "ended"
	}
	return "update"
}

// style is the container style and the colour of the headline of a kind.
func style(ev access.Event, r access.Request) (container, color string) {
	switch {
	case ev.Type == access.EventRejected || ev.Type == access.EventExpired || ev.Type == access.EventCancelled:
		return "attention", "Attention"
	case ev.Type == notify.EventEndingSoon || ev.Type == notify.EventEscalated:
		return "warning", "Warning"
	case ev.Type == access.EventActivated || (ev.Type == access.EventApproved && r.Status != access.StatusPending):
		return "good", "Good"
	}
	return "emphasis", "Default"
}

// Card is the Adaptive Card of m: a headline, the subject, the request's
// facts, who decided, and a button that opens the request in the portal.
func Card(m notify.Message) map[string]any {
	r := m.Request
	container, color := style(m.Event, r)
	head := []any{
		map[string]any{"type": "TextBlock", "text": "elevate · " + Kind(m.Event.Type), "size": "Small", "weight": "Bolder",
			"color": color, "isSubtle": false, "wrap": true},
		map[string]any{"type": "TextBlock", "text": m.Subject, "size": "Medium", "weight": "Bolder", "wrap": true, "style": "heading"},
	}
	var facts []any
	for _, row := range notify.Details(r) {
		if strings.TrimSpace(row[1]) != "" {
			facts = append(facts, map[string]any{"title": row[0], "value": row[1]})
		}
	}
	if !r.EndsAt.IsZero() {
		facts = append(facts, map[string]any{"title": "Ends at", "value": r.EndsAt.UTC().Format(time.RFC3339)})
	}
	body := []any{
		map[string]any{"type": "Container", "style": container, "bleed": true, "items": head},
		map[string]any{"type": "FactSet", "facts": facts},
	}
	if o := notify.Outcome(r); o != "" {
		body = append(body, map[string]any{"type": "TextBlock", "text": "Decisions: " + o, "wrap": true, "isSubtle": true})
	}
	if m.Note != "" {
		body = append(body, map[string]any{"type": "TextBlock", "text": m.Note, "wrap": true, "isSubtle": true})
	}
	title := "Open in elevate"
	switch {
	case m.Event.Type == access.EventSubmitted && r.Status == access.StatusPending:
		title = "Review in elevate"
	case m.Event.Type == notify.EventEndingSoon:
		title = "Extend or end in elevate"
	}
	return map[string]any{
		"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
		"type":    "AdaptiveCard",
		"version": CardVersion,
		"body":    body,
		"actions": []any{map[string]any{"type": "Action.OpenUrl", "title": title, "url": m.URL}},
		"msteams": map[string]any{"width": "Full"},
	}
}
