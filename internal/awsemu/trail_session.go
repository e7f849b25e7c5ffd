package awsemu

import (
	"crypto/sha256"
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

// SessionCall is one call of an emulated session (SSOSessionCallEvents).
type SessionCall struct {
	Source    string        // eventSource, e.g. s3.amazonaws.com
	Name      string        // eventName, e.g. GetObject
	After     time.Duration // after the session's start
	ErrorCode string        // "" when the call succeeded
	ReadOnly  bool
}

// SSOSessionCallEvents returns the CloudTrail records of a session that
// signs in (as SSOSessionEvents) and then makes calls as the
// AWSReservedSSO role's session, each with a stable request id.
func SSOSessionCallEvents(s SSOSession, calls []SessionCall) []map[string]any {
	base := SSOSessionEvents(s)
	out := []map[string]any{base[0]}
	for _, c := range calls {
		ev := make(map[string]any, len(base[1]))
		for k, v := range base[1] {
			ev[k] = v
		}
		ev["eventTime"] = s.Start.Add(c.After).UTC().Format(time.RFC3339)
		ev["eventSource"], ev["eventName"], ev["readOnly"] = c.Source, c.Name, c.ReadOnly
		ev["requestParameters"] = map[string]any{}
		if c.ErrorCode != "" {
			ev["errorCode"] = c.ErrorCode
			ev["errorMessage"] = "User is not authorized to perform this operation"
		}
		sum := sha256.Sum256([]byte(s.AccountID + "|" + s.UserName + "|" + c.Name + "|" + ev["eventTime"].(string)))
		u, _ := uuid.FromBytes(sum[:16])
		ev["requestID"] = u.String()
		out = append(out, ev)
	}
	return out
}
