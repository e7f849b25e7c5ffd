package config

import "fmt"

// Session-ending mechanisms (end_sessions.mechanism).
const (
	EndSessionsOff    = "off"
	EndSessionsSCP    = "scp"
	EndSessionsInline = "inline"
)

// EndSessions configures ending a revoked user's open sessions: a Deny on
// the sessions issued before the revocation, in a service control policy
// elevate owns or in the permission set's inline policy (docs/operations.md).
type EndSessions struct {
	// Mechanism is off, scp or inline. Default off: rules asking for it
	// (end_sessions: true) are not honoured, and a warning says so.
	Mechanism string `yaml:"mechanism"`
	// Default applies to rules that do not set end_sessions. Default false.
	Default bool `yaml:"default"`
	// SCPName is the name of the service control policy elevate creates and
	// owns (mechanism scp). Default elevate-end-sessions.
	SCPName string `yaml:"scp_name"`
}

// validate checks the session-ending settings.
func (e EndSessions) validate() []error {
	switch e.Mechanism {
	case "", EndSessionsOff, EndSessionsSCP, EndSessionsInline:
	default:
		return []error{fmt.Errorf("end_sessions.mechanism: %q is not %s, %s or %s", e.Mechanism, EndSessionsOff, EndSessionsSCP, EndSessionsInline)}
	}
	if e.Default && (e.Mechanism == "" || e.Mechanism == EndSessionsOff) {
		return []error{fmt.Errorf("end_sessions.default: true needs end_sessions.mechanism %s or %s", EndSessionsSCP, EndSessionsInline)}
	}
	return nil
}
