package web

import (
	"strings"

	"github.com/elevate/elevate/internal/access"
)

// ticketView is a request's ticket as its system reported it at submission.
type ticketView struct {
	Title, URL, Status string
}

// submittedFacts reads the ticket and the conditions' outcomes from the
// request.submitted event's details.
func submittedFacts(evs []access.Event) (ticketView, []string) {
	for _, e := range evs {
		if e.Type != access.EventSubmitted {
			continue
		}
		t := ticketView{Title: e.Details["ticket_title"], URL: e.Details["ticket_url"], Status: e.Details["ticket_status"]}
		if !strings.HasPrefix(t.URL, "https://") && !strings.HasPrefix(t.URL, "http://") {
			t.URL = "" // only a web link is shown as one
		}
		var conds []string
		if c := e.Details["conditions"]; c != "" {
			conds = strings.Split(c, "\n")
		}
		if f := e.Details["auto_approve_fallback"]; f != "" {
			conds = append(conds, f)
		}
		return t, conds
	}
	return ticketView{}, nil
}
