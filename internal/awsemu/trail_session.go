package awsemu

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"
)

// sessionEventsDelay is how long after an assignment succeeds the user's
// emulated session starts (Options.SessionEvents).
const sessionEventsDelay = 5 * time.Second

// addSessionEventsLocked adds the CloudTrail events of a session of the
// assignment's user (SSOSessionEvents: sign-in, DescribeInstances,
// ListBuckets) starting sessionEventsDelay after at, when
// Options.SessionEvents is set. Group assignments have no single user and
// add nothing. e.mu is held.
func (e *Emulator) addSessionEventsLocked(a Assignment, at time.Time) {
	if !e.opts.SessionEvents || a.PrincipalType != "USER" {
		return
	}
	u, ok := e.ids.userByID[a.PrincipalID]
	ps, ok2 := e.sso.psByARN[a.PermissionSetARN]
	if !ok || !ok2 {
		return
	}
	for _, acct := range e.opts.NoSessionAccounts {
		if acct == a.AccountID || (e.org.accountByName[acct] != nil && e.org.accountByName[acct].id == a.AccountID) {
			return
		}
	}
	evs := SSOSessionEvents(SSOSession{AccountID: a.AccountID, PermissionSetName: ps.name, UserName: u.userName,
		UserID: u.id, Region: e.region, Start: at.Add(sessionEventsDelay)})
	for _, ev := range evs {
		ev["eventID"] = uuid.NewString()
		// Through JSON like AddTrailEvents, so queries see the same value
		// types (numbers as float64).
		raw, err := json.Marshal(ev)
		if err != nil {
			e.logger.Error("awsemu: encode session event", "error", err)
			return
		}
		var c map[string]any
		if err := json.Unmarshal(raw, &c); err != nil {
			e.logger.Error("awsemu: decode session event", "error", err)
			return
		}
		e.trail.events = append(e.trail.events, c)
	}
}
