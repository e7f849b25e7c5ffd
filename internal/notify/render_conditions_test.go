package notify

import (
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// TestSubjectsNameTheTicketAndWhyElevateEnded: the approvers' message
// names the ticket as its system reported it; the requester's says why
// elevate ended the access on its own.
func TestSubjectsNameTheTicketAndWhyElevateEnded(t *testing.T) {
	t.Parallel()
	r := access.Request{RequesterName: "alice", PermissionSetName: "PowerUserAccess", Duration: time.Hour, Ticket: "OPS-1",
		Grants: []access.Grant{{AccountID: "111111111111"}}}
	sub := Subject(access.Event{Type: access.EventSubmitted, Details: map[string]string{"ticket_title": "Disk full on db-1"}}, r)
	if sub != "alice requests PowerUserAccess on 1111 1111 1111 for 1h (ticket OPS-1: Disk full on db-1)" {
		t.Errorf("submitted: %q", sub)
	}
	if sub := Subject(access.Event{Type: access.EventSubmitted}, r); strings.Contains(sub, "ticket") {
		t.Errorf("submitted without a checked ticket: %q", sub)
	}
	r.EndRequestedBy, r.EndComment = "elevate", "the request's ticket no longer meets the rule's ticket condition: ticket OPS-1 is Done"
	if sub := Subject(access.Event{Type: access.EventRevoked}, r); !strings.Contains(sub, "ended early by elevate (the request's ticket no longer meets") {
		t.Errorf("revoked by elevate: %q", sub)
	}
	r.EndRequestedBy, r.EndComment = "bob", "done"
	if sub := Subject(access.Event{Type: access.EventRevoked}, r); strings.Contains(sub, "done") {
		t.Errorf("revoked by a person: %q (their comment is theirs to share)", sub)
	}
}
