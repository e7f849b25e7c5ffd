package config

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/say"
)

// Notify configures the notifications. Every channel is off until
// configured. Secrets (the Slack bot token and signing secret, the SMTP
// password, the webhook secret) are read from the environment only, never
// from the file, and never written out.
type Notify struct {
	// WarnBefore: how long before the end the requester is reminded (with
	// Extend and End buttons in Slack). Default 15m; negative disables the
	// reminder. A rule's remind_before overrides it.
	WarnBefore time.Duration `yaml:"warn_before"`
	// Log writes every notification to the log as if sent and records it
	// (the demo). Default false.
	Log bool `yaml:"log"`
	// Slack configures the Slack app.
	Slack NotifySlack `yaml:"slack"`
	// Email configures SMTP.
	Email NotifyEmail `yaml:"email"`
	// Webhook configures the signed JSON webhook.
	Webhook NotifyWebhook `yaml:"webhook"`
	// Teams configures Microsoft Teams channels (Workflows webhooks).
	Teams NotifyTeams `yaml:"teams"`
}

// NotifyTeams configures Microsoft Teams: Adaptive Cards posted to the
// incoming webhook of a Teams Workflows flow per channel.
type NotifyTeams struct {
	// Channels are NAME=URL entries separated by commas or spaces, only
	// from env ELEVATE_NOTIFY_TEAMS_CHANNELS: each URL carries its flow's
	// signature. Rules name a channel in notify_channels as teams:NAME.
	// Default empty: Teams off.
	Channels string `yaml:"-" key:"channels" secret:"true"`
	// AllRequests names the channels that hear about every request
	// (submitted, decided, active, ending soon, ended). Default none.
	AllRequests []string `yaml:"all_requests"`
}

// NotifySlack configures Slack. Slack is on when the bot token is set.
type NotifySlack struct {
	// BotToken (xoxb-...), only from env ELEVATE_SLACK_BOT_TOKEN. Default empty: Slack off.
	BotToken string `yaml:"-" key:"bot_token" secret:"true"`
	// SigningSecret checks interaction requests, only from env
	// ELEVATE_SLACK_SIGNING_SECRET. Default empty: no Approve/Reject in Slack.
	SigningSecret string `yaml:"-" key:"signing_secret" secret:"true"`
	// AuditChannel gets one message per event (a channel id). Default empty: none.
	AuditChannel string `yaml:"audit_channel"`
	// APIURL is Slack's Web API base. Default https://slack.com/api/.
	APIURL string `yaml:"api_url"`
	// PortalApprovalPermissionSets: approvals of these permission sets need
	// a portal sign-in; Slack's button links to the portal. Default none.
	PortalApprovalPermissionSets []string `yaml:"portal_approval_permission_sets"`
}

// NotifyEmail configures SMTP. Email is on when host is set.
type NotifyEmail struct {
	// Host of the SMTP server (SES: email-smtp.REGION.amazonaws.com). Default empty: email off.
	Host string `yaml:"host"`
	// Port. Default 587.
	Port int `yaml:"port"`
	// Username for AUTH PLAIN. Default empty: no AUTH.
	Username string `yaml:"username"`
	// Password, only from env ELEVATE_SMTP_PASSWORD.
	Password string `yaml:"-" key:"password" secret:"true"`
	// From is the sender address. Required with host.
	From string `yaml:"from"`
	// TLS is starttls, tls or none. Default starttls.
	TLS string `yaml:"tls"`
	// CAFile is a PEM bundle of CAs to trust for the SMTP server. Default: the system's.
	CAFile string `yaml:"ca_file"`
	// TimeZone is the IANA zone emails say times in (Europe/Berlin).
	// Default UTC.
	TimeZone string `yaml:"time_zone"`
}

// NotifyWebhook configures the webhook. It is on when url is set.
type NotifyWebhook struct {
	// URL receives a signed JSON POST per event. Default empty: off.
	URL string `yaml:"url"`
	// Secret keys the HMAC-SHA256 signature, only from env ELEVATE_WEBHOOK_SECRET. Required with url.
	Secret string `yaml:"-" key:"secret" secret:"true"`
}

// applyNotifyEnv reads the notification secrets from the environment.
func (c *Config) applyNotifyEnv(getenv func(string) string) {
	for dst, key := range map[*string]string{
		&c.Notify.Slack.BotToken:      "ELEVATE_SLACK_BOT_TOKEN",
		&c.Notify.Slack.SigningSecret: "ELEVATE_SLACK_SIGNING_SECRET",
		&c.Notify.Email.Password:      "ELEVATE_SMTP_PASSWORD",
		&c.Notify.Webhook.Secret:      "ELEVATE_WEBHOOK_SECRET",
	} {
		if v := getenv(key); v != "" {
			*dst = v
		}
	}
}

// validate checks the notification settings.
func (n Notify) validate() []error {
	var errs []error
	if e := n.Email; e.Host != "" {
		if _, err := mail.ParseAddress(e.From); err != nil {
			errs = append(errs, fmt.Errorf("notify.email.from: %q is not an address: %w", e.From, err))
		}
		switch e.TLS {
		case "", "starttls", "tls":
		case "none":
			if e.Username != "" {
				errs = append(errs, errors.New("notify.email.tls: none would send the password in clear; use starttls"))
			}
		default:
			errs = append(errs, fmt.Errorf("notify.email.tls: %q is not starttls, tls or none", e.TLS))
		}
		if e.Port < 0 || e.Port > 65535 {
			errs = append(errs, fmt.Errorf("notify.email.port: %d is out of range", e.Port))
		}
	}
	if _, err := say.Zone(n.Email.TimeZone); err != nil {
		errs = append(errs, fmt.Errorf("notify.email.time_zone: %w", err))
	}
	if w := n.Webhook; w.URL != "" {
		if !strings.HasPrefix(w.URL, "https://") && !strings.HasPrefix(w.URL, "http://") {
			errs = append(errs, fmt.Errorf("notify.webhook.url: %q is not http(s)", w.URL))
		}
		if w.Secret == "" {
			errs = append(errs, errors.New("notify.webhook.url is set but ELEVATE_WEBHOOK_SECRET is empty: deliveries must be signed"))
		}
	}
	return errs
}
