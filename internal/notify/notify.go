// Package notify is the pure logic of telling people what happens to access
// requests: who hears about each workflow event and on which channel (Plan),
// how a notification reads on each channel (Render, Subject), what one
// delivery attempt leaves on the record (Attempt), and the JSON shape of the
// list. It reads and writes nothing: workflow's Notifications plans in the
// event's own transaction, delivers each notification later in a durable
// job with retries (so a channel that is down never blocks or fails the
// access workflow) and records the outcome.
//
// The channels live in subpackages (slack, email, webhook) and satisfy the
// small interfaces declared here; a "log" channel writes each notification
// to the log (the demo). Every notification is recorded with its delivery
// status, for the admins' list of failed deliveries and the portal.
package notify

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// Channels.
const (
	ChannelSlack       = "slack"        // a Slack DM
	ChannelSlackUpdate = "slack_update" // an update in place of an approver's Slack message
	ChannelSlackAudit  = "slack_audit"  // one message per event in the Slack audit channel
	ChannelEmail       = "email"
	ChannelWebhook     = "webhook" // one signed POST per event
	ChannelLog         = "log"     // the log (the demo)
)

// EventEndingSoon is the warning sent before a request's access ends; it is
// not a decision-log event but a notification scheduled at EndsAt − WarnBefore.
const EventEndingSoon access.EventType = "request.ending_soon"

// EventBreakGlass is a break-glass request. Any event whose Details has
// break_glass=true counts as well. It goes to everyone on every channel.
const EventBreakGlass access.EventType = "request.break_glass"

// EventBreakGlassReviewed is the review of a break-glass request; the
// requester is told, besides the webhook and the audit channel.
const EventBreakGlassReviewed access.EventType = "request.break_glass_reviewed"

// Message is one notification rendered for its channel at delivery time,
// from the request as it is then.
type Message struct {
	NotificationID string
	Event          access.Event
	Request        access.Request
	// Recipient is the directory user it is for (zero for the webhook and
	// the audit channel).
	Recipient access.User
	Subject   string // one line
	Text      string // a few lines of plain text
	URL       string // the request in the portal
	// CanDecide: the recipient is an approver and the request waits for
	// them: the Slack message carries Approve and Reject buttons.
	CanDecide bool
	// PortalOnly: approvals of this request's permission set need a portal
	// sign-in, so the Slack message links to the portal instead.
	PortalOnly bool
	// ApproverMFA: the request's rule accepts approvals only from a portal
	// session whose sign-in proved multi-factor authentication this
	// recently (approver_mfa), so the Slack message links to the portal
	// too. 0: none.
	ApproverMFA time.Duration
	// Voice is how the channel says names and times (Slack date tokens,
	// the email zone, UTC).
	Voice Voice
	// Use is the "now use it" step (console links and a CLI profile) of
	// the message telling the requester their access is active; nil
	// otherwise or without an access portal URL.
	Use *Use
	// Remind: the reminder before the end, to its requester: the Slack
	// message carries Extend (by ExtendStep) and End now buttons.
	Remind     bool
	ExtendStep time.Duration
	// Note says why the recipient hears about it, when it is not the
	// obvious ("asked because alice is away until …").
	Note string
}

// Slack is the Slack channel; slack.Client satisfies it.
type Slack interface {
	// DirectMessage finds the user by email and sends them m; it returns
	// where the message is, for later updates.
	DirectMessage(ctx context.Context, m Message) (channel, ts string, err error)
	// UpdateMessage replaces the message at channel/ts with m.
	UpdateMessage(ctx context.Context, channel, ts string, m Message) error
	// AuditMessage posts m in the audit channel.
	AuditMessage(ctx context.Context, m Message) error
	// HasAuditChannel reports whether an audit channel is configured.
	HasAuditChannel() bool
}

// SlackChannels posts in the Slack channels that rules' notify_channels
// name; slack.Client satisfies it.
type SlackChannels interface {
	ChannelMessage(ctx context.Context, channel string, m Message) error
}

// Teams posts Adaptive Cards to the configured Teams channels;
// teams.Client satisfies it.
type Teams interface {
	// Send posts m to the channel configured under name.
	Send(ctx context.Context, name string, m Message) error
	// Channels are the configured channels' names; All those that hear
	// about every request.
	Channels() (names, all []string)
}

// Sender sends a message on a channel (email, webhook).
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// PermanentError marks a delivery that no retry can fix (a Slack user that
// does not exist, an address refused): it is recorded as failed at once.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Observer counts deliveries (for /metrics); metrics.Metrics satisfies it.
type Observer interface {
	// ObserveNotification records one delivery attempt: outcome is sent,
	// failed (will be retried), given_up or skipped.
	ObserveNotification(channel, outcome string)
}

// Config configures the notifications. Zero fields take the defaults in
// their comments.
type Config struct {
	// PublicURL is where the portal is, for links. Default http://127.0.0.1:8080.
	PublicURL string
	// AdminsGroup is the group told about failures. Default admins.
	AdminsGroup string
	// AuditorsGroup is the group alerted, with the admins, about
	// break-glass use. Default auditors.
	AuditorsGroup string
	// WarnBefore is how long before the end the requester is warned.
	// Default 15m; negative disables the warning. A rule's remind_before
	// overrides it.
	WarnBefore time.Duration
	// Log records every notification in the log as a "log" channel delivery
	// (the demo). Default false.
	Log bool
	// PortalApprovalPermissionSets are the permission sets (names) whose
	// approvals need a portal sign-in: Slack links to the portal instead of
	// approving in place. Default none.
	PortalApprovalPermissionSets []string
	// AccessPortalURL is the AWS access portal ("https://d-….awsapps.com/start"):
	// the "active" message carries console links and a CLI profile. Default
	// none (no such step).
	AccessPortalURL string
	// SSORegion is the Identity Center region, for the CLI profile.
	// Default us-east-1.
	SSORegion string
	// EmailZone is the zone email says times in. Default UTC.
	EmailZone *time.Location
}

// WithDefaults fills the zero fields with their defaults.
func (c Config) WithDefaults() Config {
	if c.PublicURL == "" {
		c.PublicURL = "http://127.0.0.1:8080"
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	if c.AdminsGroup == "" {
		c.AdminsGroup = "admins"
	}
	if c.AuditorsGroup == "" {
		c.AuditorsGroup = "auditors"
	}
	if c.SSORegion == "" {
		c.SSORegion = "us-east-1"
	}
	if c.WarnBefore == 0 {
		c.WarnBefore = 15 * time.Minute
	}
	return c
}

// RequestURL is the request's page in the portal.
func (c Config) RequestURL(id string) string { return c.PublicURL + "/requests/" + id }

// PortalOnly reports whether approvals of the permission set need a portal sign-in.
func (c Config) PortalOnly(permissionSetName string) bool {
	return slices.ContainsFunc(c.PortalApprovalPermissionSets, func(n string) bool { return strings.EqualFold(n, permissionSetName) })
}

// eventJSON is how an event is stored with its notification and sent in
// the webhook payload.
type eventJSON struct {
	Type      access.EventType  `json:"type"`
	RequestID string            `json:"request_id"`
	GrantID   string            `json:"grant_id,omitempty"`
	Actor     string            `json:"actor"`
	ActorID   string            `json:"actor_id,omitempty"`
	Via       access.Via        `json:"via"`
	At        time.Time         `json:"at"`
	Details   map[string]string `json:"details,omitempty"`
}

// EncodeEvent is the event as stored with its notification.
func EncodeEvent(e access.Event) []byte {
	b, _ := json.Marshal(eventJSON{Type: e.Type, RequestID: e.RequestID, GrantID: e.GrantID, Actor: e.Actor.UserName,
		ActorID: e.Actor.UserID, Via: e.Actor.Via, At: e.At.UTC(), Details: e.Details})
	return b
}

// DecodeEvent reads an event EncodeEvent stored.
func DecodeEvent(b []byte) (access.Event, error) {
	var j eventJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return access.Event{}, fmt.Errorf("decode event: %w", err)
	}
	return access.Event{Type: j.Type, RequestID: j.RequestID, GrantID: j.GrantID,
		Actor: access.Actor{UserName: j.Actor, UserID: j.ActorID, Via: j.Via}, At: j.At, Details: j.Details}, nil
}

var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

func newID() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b) // never fails on supported platforms
	return "ntf_" + idEncoding.EncodeToString(b)
}
