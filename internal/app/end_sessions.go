package app

import (
	"log/slog"
	"os"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/workflow"
)

// sessionDenyOptions turns end_sessions into the workflow's options, and
// warns when rules ask to end sessions while no mechanism is configured.
func sessionDenyOptions(cfg config.Config, log *slog.Logger) workflow.SessionDenyOptions {
	var m access.SessionDenyMechanism
	switch cfg.EndSessions.Mechanism {
	case config.EndSessionsSCP:
		m = access.DenyViaSCP
	case config.EndSessionsInline:
		m = access.DenyViaInline
	default:
		for _, r := range cfg.Policy.Rules {
			if r.EndSessions != nil && *r.EndSessions {
				log.Warn("rule asks to end open sessions at revocation, but end_sessions.mechanism is off: set it to scp or inline", "rule", r.Name)
			}
		}
	}
	// The lease holder is the replica's job client id (the host name by
	// default, as the job queue's), so a restarted replica takes its own
	// lease back.
	holder := cfg.Jobs.ClientID
	if holder == "" {
		holder, _ = os.Hostname()
	}
	return workflow.SessionDenyOptions{Mechanism: m, Default: cfg.EndSessions.Default, Holder: holder}
}
