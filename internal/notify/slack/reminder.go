package slack

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	goslack "github.com/slack-go/slack"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/notify"
	"github.com/elevate/elevate/internal/say"
)

// Block and action ids of the reminder before the end.
const (
	BlockRemind  = "elevate_remind"
	ActionExtend = "extend"
	ActionEnd    = "end_now"
)

// Reminders is what the reminder's buttons need: the same use cases as the
// portal's Extend and End (*workflow.Service satisfies it), so an extension
// is approved like any other.
type Reminders interface {
	Extend(ctx context.Context, actor access.Actor, id string, d time.Duration, justification string) (*access.Request, error)
	End(ctx context.Context, actor access.Actor, id, comment string) (*access.Request, error)
}

// reminderActions are the reminder's buttons: extend by the rule's step,
// and end now (confirmed). The extend button's value is "ID|STEP".
func reminderActions(m notify.Message) goslack.Block {
	r := m.Request
	extend := goslack.NewButtonBlockElement(ActionExtend, r.ID+"|"+m.ExtendStep.String(), plain("Extend "+say.Duration(m.ExtendStep))).
		WithStyle(goslack.StylePrimary)
	end := goslack.NewButtonBlockElement(ActionEnd, r.ID, plain("End now")).WithStyle(goslack.StyleDanger).
		WithConfirm(goslack.NewConfirmationBlockObject(plain("End access now?"),
			plain("elevate removes "+r.PermissionSetName+" now."), plain("End now"), plain("Keep it")))
	return goslack.NewActionBlock(BlockRemind, extend, end)
}

func isReminderAction(id string) bool { return id == ActionExtend || id == ActionEnd }

// reminderValue reads the button's value: the request id and, for extend,
// the duration.
func reminderValue(actionID, value string) (id string, d time.Duration) {
	id, step, _ := strings.Cut(value, "|")
	if actionID == ActionExtend {
		d, _ = time.ParseDuration(step)
	}
	return id, d
}

// remind carries out a reminder's button as the requester: Extend asks for
// the step (approved like any extension; the justification says it came
// from the reminder and repeats the request's), End now ends the access.
func (h *Interactions) remind(ctx context.Context, actor access.Actor, dec Decision) reply {
	if h.reminders == nil {
		return reply{Code: "unavailable", Text: "extending and ending from Slack is not available: use the portal"}
	}
	if dec.ActionID == ActionEnd {
		out, err := h.reminders.End(ctx, actor, dec.RequestID, "ended from the Slack reminder")
		if err != nil {
			return refusal(err)
		}
		h.log.InfoContext(ctx, "ended from the slack reminder", "request_id", dec.RequestID, "actor", actor.UserName)
		return reply{OK: true, Text: fmt.Sprintf("Request %s is ending (now %s).", dec.RequestID, say.Status(string(out.Status)))}
	}
	if dec.Extend <= 0 {
		return reply{Code: "invalid_argument", Text: "the button names no duration to extend by: use the portal"}
	}
	req, err := h.wf.GetRequest(ctx, actor, dec.RequestID)
	if err != nil {
		return refusal(err)
	}
	just := "more time, asked from the Slack reminder, for: " + req.Justification
	if utf8.RuneCountInString(just) > access.MaxJustificationLen {
		just = string([]rune(just)[:access.MaxJustificationLen])
	}
	out, err := h.reminders.Extend(ctx, actor, dec.RequestID, dec.Extend, just)
	if err != nil {
		return refusal(err)
	}
	h.log.InfoContext(ctx, "extension asked from the slack reminder", "request_id", dec.RequestID, "actor", actor.UserName, "by", dec.Extend)
	if i := out.PendingExtension(); i >= 0 {
		return reply{OK: true, Text: fmt.Sprintf("You asked to extend %s by %s; it waits for approval.", dec.RequestID, say.Duration(dec.Extend))}
	}
	return reply{OK: true, Text: fmt.Sprintf("Request %s now ends at %s.", dec.RequestID, out.EndsAt.UTC().Format(time.RFC3339))}
}
