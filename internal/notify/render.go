package notify

import (
	"fmt"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/say"
)

// Voice is how a channel says things to its reader: account names, and
// times either in a zone (email, the log, the webhook's text) or as
// Slack date tokens that Slack shows in each reader's own zone.
type Voice struct {
	// Accounts are account names by id; an account missing here is named
	// by its grouped id.
	Accounts map[string]string
	// Loc is the reader's zone (nil: UTC) when not Slack.
	Loc *time.Location
	// Slack says times as Slack date tokens.
	Slack bool
}

// Time says t for the reader.
func (v Voice) Time(t time.Time) string {
	if v.Slack {
		return say.SlackDate(t)
	}
	return say.Time(t, v.Loc)
}

// what names the request in a sentence: "AdministratorAccess on prod (1111 1111 1111)".
func (v Voice) what(r access.Request) string {
	return fmt.Sprintf("%s on %s", r.PermissionSetName, say.Accounts(v.Accounts, r.AccountIDs()))
}

// Subject is the one-line summary of an event about r, in UTC and with
// grouped account ids (the stored subject; channels use Voice.Subject).
func Subject(ev access.Event, r access.Request) string { return Voice{}.Subject(ev, r) }

// Subject is the one-line summary of an event about r for the reader.
func (v Voice) Subject(ev access.Event, r access.Request) string {
	actor := ev.Actor.UserName
	w := v.what(r)
	dur := say.Duration(r.Duration)
	switch ev.Type {
	case access.EventSubmitted:
		if isBreakGlass(ev) {
			return fmt.Sprintf("BREAK-GLASS: %s took %s for %s", r.RequesterName, w, dur)
		}
		if t := ev.Details["ticket_title"]; t != "" {
			// The ticket as its system reported it, for the approvers.
			return fmt.Sprintf("%s requests %s for %s (ticket %s: %s)", r.RequesterName, w, dur, r.Ticket, t)
		}
		return fmt.Sprintf("%s requests %s for %s", r.RequesterName, w, dur)
	case EventBreakGlass:
		return fmt.Sprintf("BREAK-GLASS: %s took %s for %s", r.RequesterName, w, dur)
	case EventBreakGlassReviewed:
		return fmt.Sprintf("%s reviewed %s's break-glass use of %s: %s", actor, r.RequesterName, w, ev.Details["comment"])
	case access.EventApproved:
		return fmt.Sprintf("%s approved %s's request for %s (%s of %d)", actor, r.RequesterName, w, ev.Details["approvals"], r.ApprovalsRequired)
	case access.EventRejected:
		return fmt.Sprintf("%s rejected %s's request for %s", actor, r.RequesterName, w)
	case access.EventCancelled:
		return fmt.Sprintf("%s cancelled the request for %s", actor, w)
	case access.EventExpired:
		return fmt.Sprintf("%s's request for %s expired", r.RequesterName, w)
	case access.EventActivated:
		return fmt.Sprintf("%s is active for %s until %s", w, r.RequesterName, v.Time(r.EndsAt))
	case EventEndingSoon:
		return fmt.Sprintf("%s for %s ends at %s (in %s)", w, r.RequesterName, v.Time(r.EndsAt), say.Span(r.EndsAt.Sub(ev.At)))
	case EventEscalated:
		return fmt.Sprintf("%s's request for %s has waited since %s: escalated to %s", r.RequesterName, w,
			v.Time(r.CreatedAt), orDash(ev.Details["groups"]))
	case access.EventExtensionRequested:
		if i := r.PendingExtension(); i >= 0 {
			return fmt.Sprintf("%s asks to extend %s by %s", r.RequesterName, w, say.Duration(r.Extensions[i].Duration))
		}
		return fmt.Sprintf("%s asks to extend %s", r.RequesterName, w)
	case access.EventExtensionApproved:
		return fmt.Sprintf("%s approved extending %s's %s", actor, r.RequesterName, w)
	case access.EventExtensionRejected:
		return fmt.Sprintf("%s rejected extending %s's %s", actor, r.RequesterName, w)
	case access.EventExtended:
		return fmt.Sprintf("%s for %s was extended until %s", w, r.RequesterName, v.Time(r.EndsAt))
	case access.EventEnded:
		return fmt.Sprintf("%s for %s has ended; access is removed", w, r.RequesterName)
	case access.EventRevoked:
		if r.EndRequestedBy == access.SystemActor.UserName && r.EndComment != "" {
			// elevate ended it on its own (a closed ticket, a disabled user): say why.
			return fmt.Sprintf("%s for %s was ended early by %s (%s); access is removed", w, r.RequesterName, r.EndRequestedBy, r.EndComment)
		}
		return fmt.Sprintf("%s for %s was ended early by %s; access is removed", w, r.RequesterName, orDash(r.EndRequestedBy))
	case access.EventFailed:
		return fmt.Sprintf("%s for %s failed: %s", w, r.RequesterName, r.Reason)
	case access.EventDriftMissing:
		return fmt.Sprintf("%s for %s: the assignment was removed in AWS outside elevate; the request still shows active but access is gone", w, r.RequesterName)
	case access.EventRevocationFailing:
		return fmt.Sprintf("removing %s for %s keeps failing; elevate keeps retrying", w, r.RequesterName)
	}
	return fmt.Sprintf("%s for %s: %s", w, r.RequesterName, say.Event(string(ev.Type)))
}

// Details are the lines describing r, for message bodies, in UTC with
// grouped account ids (channels use Voice.Details).
func Details(r access.Request) [][2]string { return Voice{}.Details(r) }

// Details are the lines describing r for the reader: who, what, where,
// how long, and when it starts or ends.
func (v Voice) Details(r access.Request) [][2]string {
	rows := [][2]string{
		{"Requester", r.RequesterName},
		{"Permission set", r.PermissionSetName},
		{"Accounts", say.Accounts(v.Accounts, r.AccountIDs())},
		{"Duration", say.Duration(r.Duration)},
	}
	switch {
	case !r.EndsAt.IsZero():
		rows = append(rows, [2]string{"Ends", v.Time(r.EndsAt)})
	case r.Status == access.StatusPending && !r.StartAt.After(r.CreatedAt.Add(time.Second)):
		// Asked to start now: it starts when approved.
		rows = append(rows, [2]string{"Starts", "as soon as approved"})
	case r.Status == access.StatusPending || r.Status == access.StatusScheduled:
		rows = append(rows, [2]string{"Starts", v.Time(r.StartAt)})
	}
	rows = append(rows, [2]string{"Justification", r.Justification})
	if r.Ticket != "" {
		rows = append(rows, [2]string{"Ticket", r.Ticket})
	}
	rows = append(rows, [2]string{"Status", say.Status(string(r.Status))})
	if r.ApprovalsRequired > 0 {
		rows = append(rows, [2]string{"Approvals", fmt.Sprintf("%d of %d", r.ApprovalCount(), r.ApprovalsRequired)})
	}
	return rows
}

// Outcome says who decided and how, once anyone has ("" while nobody has).
func Outcome(r access.Request) string {
	var parts []string
	for _, a := range r.Approvals {
		verb := "approved"
		if a.Verdict == access.VerdictReject {
			verb = "rejected"
		}
		s := a.UserName + " " + verb
		if a.Comment != "" {
			s += fmt.Sprintf(" (%q)", a.Comment)
		}
		parts = append(parts, s)
	}
	out := strings.Join(parts, "; ")
	switch r.Status {
	case access.StatusCancelled:
		out = strings.TrimPrefix(out+"; cancelled by "+r.RequesterName, "; ")
	case access.StatusExpired:
		out = strings.TrimPrefix(out+"; expired without a decision", "; ")
	}
	return out
}

// body is the plain-text body of m.
func body(m Message) string {
	var b strings.Builder
	b.WriteString(m.Subject + "\n\n")
	if m.Note != "" {
		b.WriteString(m.Note + "\n\n")
	}
	for _, row := range m.Voice.Details(m.Request) {
		fmt.Fprintf(&b, "%s: %s\n", row[0], row[1])
	}
	if o := Outcome(m.Request); o != "" {
		fmt.Fprintf(&b, "Decisions: %s\n", o)
	}
	if u := m.Use; u != nil {
		b.WriteString("\nUse it now:\n")
		for _, c := range u.Consoles {
			fmt.Fprintf(&b, "Console for %s: %s\n", c.Account, c.URL)
		}
		fmt.Fprintf(&b, "\nAWS CLI profile (add to ~/.aws/config, then `aws sso login --sso-session %s`):\n\n%s", say.SessionName, u.Profile)
	}
	if m.Remind {
		fmt.Fprintf(&b, "\nExtend by %s or end it now: %s\n", say.Duration(m.ExtendStep), m.URL)
	}
	fmt.Fprintf(&b, "\n%s\n", m.URL)
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
