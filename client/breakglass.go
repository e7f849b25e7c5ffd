package client

import (
	"context"
	"net/url"
	"strconv"
	"time"
)

// BreakGlassUse is one break-glass request and its review.
type BreakGlassUse struct {
	RequestID     string     `json:"request_id"`
	Requester     UserRef    `json:"requester"`
	Rule          string     `json:"rule"`
	PermissionSet string     `json:"permission_set"`
	AccountIDs    []string   `json:"account_ids"`
	Justification string     `json:"justification"`
	At            time.Time  `json:"at"`
	Status        Status     `json:"status"`
	Reviewed      bool       `json:"reviewed"`
	ReviewedBy    string     `json:"reviewed_by"`
	ReviewedAt    *time.Time `json:"reviewed_at"`
	ReviewComment string     `json:"review_comment"`
}

// Review records the review of a break-glass request (an approver of the
// request or an admin; never the requester).
func (c *Client) Review(ctx context.Context, id, comment string) (*BreakGlassUse, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	var out BreakGlassUse
	body := struct {
		Comment string `json:"comment"`
	}{comment}
	if err := c.do(ctx, "POST", "/requests/"+url.PathEscape(id)+"/review", nil, body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListBreakGlass lists break-glass use, newest first; only the unreviewed
// when asked. Admins and auditors only.
func (c *Client) ListBreakGlass(ctx context.Context, unreviewed bool, limit int) ([]BreakGlassUse, error) {
	q := url.Values{}
	if unreviewed {
		q.Set("unreviewed", "1")
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out struct {
		Items []BreakGlassUse `json:"items"`
	}
	if err := c.do(ctx, "GET", "/admin/breakglass", q, nil, &out); err != nil {
		return nil, err
	}
	return out.Items, nil
}

// Settings are the policy's settings (durations in Go form, such as 3h0m0s).
type Settings struct {
	Revision             int      `json:"revision"`
	Applied              bool     `json:"applied"`
	ApprovalTimeout      string   `json:"approval_timeout"`
	MaxDuration          string   `json:"max_duration"`
	MinDuration          string   `json:"min_duration"`
	TicketRequired       bool     `json:"ticket_required"`
	AdminsGroup          string   `json:"admins_group"`
	AuditorsGroup        string   `json:"auditors_group"`
	NotificationChannels []string `json:"notification_channels"`
	Admins               []string `json:"admins"` // users who are admins besides the admins group's members
}

// SettingsUpdate names the settings to change; nil fields keep their value.
type SettingsUpdate struct {
	Revision             int       `json:"revision"` // the revision the settings were read at (Settings.Revision)
	ApprovalTimeout      *string   `json:"approval_timeout,omitempty"`
	MaxDuration          *string   `json:"max_duration,omitempty"`
	MinDuration          *string   `json:"min_duration,omitempty"`
	TicketRequired       *bool     `json:"ticket_required,omitempty"`
	AdminsGroup          *string   `json:"admins_group,omitempty"`
	AuditorsGroup        *string   `json:"auditors_group,omitempty"`
	NotificationChannels *[]string `json:"notification_channels,omitempty"`
	Admins               *[]string `json:"admins,omitempty"`
	// Force applies a change that removes the caller's own admin role or
	// names a missing or empty role group, as long as an admin remains.
	Force bool `json:"force,omitempty"`
}

// GetSettings returns the settings in effect (admins).
func (c *Client) GetSettings(ctx context.Context) (*Settings, error) {
	var out Settings
	if err := c.do(ctx, "GET", "/admin/settings", nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateSettings changes settings (admins); it returns the settings in
// effect afterwards.
func (c *Client) UpdateSettings(ctx context.Context, u SettingsUpdate) (*Settings, error) {
	var out Settings
	if err := c.do(ctx, "PUT", "/admin/settings", nil, u, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
