package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/workflow"
)

// settingsJSON is the answer of GET and PUT /admin/settings.
type settingsJSON struct {
	Revision             int      `json:"revision"`
	Applied              bool     `json:"applied"`
	ApprovalTimeout      string   `json:"approval_timeout"`
	MaxDuration          string   `json:"max_duration"`
	MinDuration          string   `json:"min_duration"`
	TicketRequired       bool     `json:"ticket_required"`
	AdminsGroup          string   `json:"admins_group"`
	AuditorsGroup        string   `json:"auditors_group"`
	NotificationChannels []string `json:"notification_channels"`
	Admins               []string `json:"admins"`
}

func toSettings(s policy.Settings, rev int, applied bool) settingsJSON {
	out := settingsJSON{Revision: rev, Applied: applied, ApprovalTimeout: s.ApprovalTimeout.String(), MaxDuration: s.MaxDuration.String(),
		MinDuration: s.MinDuration.String(), TicketRequired: s.TicketRequired, AdminsGroup: s.AdminsGroup,
		AuditorsGroup: s.AuditorsGroup, NotificationChannels: s.NotificationChannels}
	if out.NotificationChannels == nil {
		out.NotificationChannels = []string{}
	}
	out.Admins = s.Admins
	if out.Admins == nil {
		out.Admins = []string{}
	}
	return out
}

// settingsBody is the body of PUT /admin/settings: the fields to change.
type settingsBody struct {
	Revision             *int      `json:"revision"` // required: the revision the settings were read at
	ApprovalTimeout      *string   `json:"approval_timeout"`
	MaxDuration          *string   `json:"max_duration"`
	MinDuration          *string   `json:"min_duration"`
	TicketRequired       *bool     `json:"ticket_required"`
	AdminsGroup          *string   `json:"admins_group"`
	AuditorsGroup        *string   `json:"auditors_group"`
	NotificationChannels *[]string `json:"notification_channels"`
	Admins               *[]string `json:"admins"`
	Force                bool      `json:"force"`
}

func (b settingsBody) update() (workflow.SettingsUpdate, error) {
	if b.Revision == nil {
		return workflow.SettingsUpdate{}, access.Errorf(access.CodeInvalid, "revision is required: send the revision GET /admin/settings answered")
	}
	u := workflow.SettingsUpdate{Revision: *b.Revision, TicketRequired: b.TicketRequired, AdminsGroup: b.AdminsGroup,
		AuditorsGroup: b.AuditorsGroup, NotificationChannels: b.NotificationChannels, Admins: b.Admins, Force: b.Force}
	for _, f := range []struct {
		name string
		in   *string
		out  **time.Duration
	}{{"approval_timeout", b.ApprovalTimeout, &u.ApprovalTimeout}, {"max_duration", b.MaxDuration, &u.MaxDuration}, {"min_duration", b.MinDuration, &u.MinDuration}} {
		if f.in == nil {
			continue
		}
		d, err := time.ParseDuration(strings.TrimSpace(*f.in))
		if err != nil {
			return u, access.Errorf(access.CodeInvalid, "%s %q is not a duration such as 3h or 15m", f.name, *f.in)
		}
		*f.out = &d
	}
	return u, nil
}

// getSettings serves GET /api/v1/admin/settings.
func (a *API) getSettings(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	b, err := a.breakGlassSvc()
	if err != nil {
		return err
	}
	s, rev, err := b.GetSettings(r.Context(), actor)
	if err != nil {
		return err
	}
	a.writeJSON(w, r, http.StatusOK, toSettings(s, rev, false))
	return nil
}

// putSettings serves PUT /api/v1/admin/settings.
func (a *API) putSettings(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	b, err := a.breakGlassSvc()
	if err != nil {
		return err
	}
	if !actor.Admin { // before reading the body: nothing to validate for others
		return access.Errorf(access.CodeForbidden, "only admins may change the settings")
	}
	var body settingsBody
	if err := decodeBody(w, r, &body, false); err != nil {
		return err
	}
	u, err := body.update()
	if err != nil {
		return err
	}
	plan, s, err := b.UpdateSettings(r.Context(), actor, u)
	if err != nil {
		return err
	}
	a.writeJSON(w, r, http.StatusOK, toSettings(s, plan.Revision, plan.Applied))
	return nil
}
