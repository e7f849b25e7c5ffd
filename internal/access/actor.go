package access

import "slices"

// Via says through which interface an actor acted.
type Via string

// Interfaces an actor can act through.
const (
	ViaAPI    Via = "api"
	ViaCLI    Via = "cli"
	ViaPortal Via = "portal"
	ViaSlack  Via = "slack"
	ViaSystem Via = "system"
)

// Actor is who performs an action: a directory user with their groups and
// roles as the server resolved them (never as a client claimed them), or the
// system itself.
type Actor struct {
	UserID   string
	UserName string
	Email    string
	Groups   []string // group ids, from the synced directory
	Admin    bool
	Auditor  bool
	Via      Via
	// SignIn is what the portal session's sign-in proved (zero for API
	// tokens, Slack and the system): an approval under a rule that needs a
	// fresh multi-factor sign-in checks it (CheckApproverMFA).
	SignIn SignInProof
}

// SystemActor is elevate acting on its own: jobs, expiry, reconciliation.
var SystemActor = Actor{UserName: "elevate", Via: ViaSystem}

// IsSystem reports whether the actor is elevate itself.
func (a Actor) IsSystem() bool { return a.Via == ViaSystem }

// InGroup reports whether the actor is a member of the group.
func (a Actor) InGroup(groupID string) bool { return slices.Contains(a.Groups, groupID) }
