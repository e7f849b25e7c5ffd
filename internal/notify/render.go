package notify

import (
	"fmt"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// what names the request in a sentence: "AdministratorAccess on 111111111111".
func what(r access.Request) string {
	return fmt.Sprintf("%s on %s", r.PermissionSetName, strings.Join(r.AccountIDs(), ", "))
}

// Subject is the one-line summary of an event about r.
func Subject(ev access.Event, r access.Request) string {
	actor := ev.Actor.UserName
	w := what(r)
	switch ev.Type {
	case access.EventSubmitted:
		if isBreakGlass(ev) {
			return fmt.Sprintf("BREAK-GLASS: %s took %s for %s", r.RequesterName, w, r.Duration)
		}
		if t := ev.Details["ticket_title"]; t != "" {
			// The ticket as its system reported it, for the approvers.
			return fmt.Sprintf("%s requests %s for %s (ticket %s: %s)", r.RequesterName, w, r.Duration, r.Ticket, t)
		}
		return fmt.Sprintf("%s requests %s for %s", r.RequesterName, w, r.Duration)
	case EventBreakGlass:
		return fmt.Sprintf("BREAK-GLASS: %s took %s for %s", r.RequesterName, w, r.Duration)
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
		return fmt.Sprintf("%s is active for %s until %s", w, r.RequesterName, r.EndsAt.UTC().Format(time.RFC3339))
	case EventEndingSoon:
		return fmt.Sprintf("%s for %s ends at %s", w, r.RequesterName, r.EndsAt.UTC().Format(time.RFC3339))
	case access.EventExtensionRequested:
		return fmt.Sprintf("%s asks to extend %s", r.RequesterName, w)
	case access.EventExtensionApproved:
		return fmt.Sprintf("%s approved extending %s's %s", actor, r.RequesterName, w)
	case access.EventExtensionRejected:
		return fmt.Sprintf("%s rejected extending %s's %s", actor, r.RequesterName, w)
	case access.EventExtended:
		return fmt.Sprintf("%s for %s was extended until %s", w, r.RequesterName, r.EndsAt.UTC().Format(time.RFC3339))
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
	return fmt.Sprintf("%s: %s for %s", ev.Type, w, r.RequesterName)
}

// Details are the lines describing r, for message bodies.
func Details(r access.Request) [][2]string {
	rows := [][2]string{
		{"Requester", r.RequesterName},
		{"Permission set", r.PermissionSetName},
		{"Accounts", strings.Join(r.AccountIDs(), ", ")},
		{"Duration", r.Duration.String()},
		{"Justification", r.Justification},
	}
	if r.Ticket != "" {
		rows = append(rows, [2]string{"Ticket", r.Ticket})
	}
	rows = append(rows, [2]string{"Status", string(r.Status)})
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
	for _, row := range Details(m.Request) {
		fmt.Fprintf(&b, "%s: %s\n", row[0], row[1])
	}
	if o := Outcome(m.Request); o != "" {
		fmt.Fprintf(&b, "Decisions: %s\n", o)
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
