package app

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net/http"
	"os"

	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/jobs"
	"github.com/elevate/elevate/internal/metrics"
	"github.com/elevate/elevate/internal/notify"
	"github.com/elevate/elevate/internal/notify/email"
	"github.com/elevate/elevate/internal/notify/slack"
	"github.com/elevate/elevate/internal/notify/teams"
	"github.com/elevate/elevate/internal/notify/webhook"
	"github.com/elevate/elevate/internal/say"
	"github.com/elevate/elevate/internal/store"
	"github.com/elevate/elevate/internal/workflow"
)

// notifications are the notifications' use cases, the Slack client (nil
// when Slack is off) and the Slack interaction endpoint (nil when off).
type notifications struct {
	svc     *workflow.Notifications
	slack   *slack.Client
	handler http.Handler
	// inter is the Slack endpoint itself (nil when off), for the demo's views.
	inter *slack.Interactions
	// publicURL is the portal's URL, for links from Slack's views.
	publicURL string
}

// newNotifications builds the notification channels the configuration turns on.
func newNotifications(cfg config.Config, st store.Store, m *metrics.Metrics, clock workflow.Clock, log *slog.Logger) (*notifications, error) {
	n := cfg.Notify
	d := workflow.NotificationsDeps{Store: st, Observer: m, Logger: log, Clock: clock,
		Config: notify.Config{PublicURL: cfg.URL(), AdminsGroup: cfg.Policy.AdminsGroup, AuditorsGroup: cfg.Policy.AuditorsGroup, WarnBefore: n.WarnBefore,
			Log: n.Log, PortalApprovalPermissionSets: n.Slack.PortalApprovalPermissionSets,
			AccessPortalURL: cfg.AWS.AccessPortalURL, SSORegion: cfg.AWS.Region}}
	if loc, err := say.Zone(n.Email.TimeZone); err == nil {
		d.Config.EmailZone = loc
	}
	out := &notifications{publicURL: cfg.URL()}
	if n.Slack.BotToken != "" {
		c, err := slack.New(slack.Config{BotToken: n.Slack.BotToken, SigningSecret: n.Slack.SigningSecret,
			AuditChannel: n.Slack.AuditChannel, APIURL: n.Slack.APIURL})
		if err != nil {
			return nil, fmt.Errorf("notify.slack: %w", err)
		}
		out.slack, d.Slack = c, c
	}
	if n.Email.Host != "" {
		ec := email.Config{Host: n.Email.Host, Port: n.Email.Port, Username: n.Email.Username, Password: n.Email.Password,
			From: n.Email.From, TLS: n.Email.TLS}
		if n.Email.CAFile != "" {
			pem, err := os.ReadFile(n.Email.CAFile)
			if err != nil {
				return nil, fmt.Errorf("notify.email.ca_file: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("notify.email.ca_file %s: no PEM certificates", n.Email.CAFile)
			}
			ec.TLSConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		}
		s, err := email.New(ec)
		if err != nil {
			return nil, fmt.Errorf("notify.email: %w", err)
		}
		d.Email = s
	}
	if n.Webhook.URL != "" {
		s, err := webhook.New(webhook.Config{URL: n.Webhook.URL, Secret: n.Webhook.Secret})
		if err != nil {
			return nil, fmt.Errorf("notify.webhook: %w", err)
		}
		d.Webhook = s
	}
	if n.Teams.Channels != "" {
		chs, err := teams.ParseChannels(n.Teams.Channels, n.Teams.AllRequests)
		if err != nil {
			return nil, fmt.Errorf("notify.teams: %w", err)
		}
		c, err := teams.New(teams.Config{Channels: chs})
		if err != nil {
			return nil, fmt.Errorf("notify.teams: %w", err)
		}
		d.Teams = c
	} else if len(n.Teams.AllRequests) > 0 {
		return nil, fmt.Errorf("notify.teams.all_requests names channels but ELEVATE_NOTIFY_TEAMS_CHANNELS configures none")
	}
	svc, err := workflow.NewNotifications(d)
	if err != nil {
		return nil, err
	}
	m.RegisterNotifications()
	out.svc = svc
	return out, nil
}

// interactions is the Slack endpoint (interactions, the /elevate command
// and the App Home's events), or nil when Slack or its
// signing secret is not configured.
func (n *notifications) interactions(wf *workflow.Service, log *slog.Logger) (http.Handler, error) {
	if n.slack == nil || n.svc == nil {
		return nil, nil
	}
	h, err := slack.NewInteractionsWithRequests(n.slack, slackRequests{wf}, n.svc.PortalOnly, log, nil, slack.AskConfig{PublicURL: n.publicURL})
	if err != nil {
		log.Warn("Slack approvals are off: set ELEVATE_SLACK_SIGNING_SECRET to turn them on", "reason", err.Error())
		return nil, nil
	}
	n.inter = h
	return h, nil
}

// deliverer is what the notify jobs call: the workflow's Service, which
// reads each request's rule (approver_mfa makes Slack's Approve a link to
// the portal), when notifications are on; else the notifications' use
// cases as they are (nil).
func (a *App) deliverer() jobs.Deliverer {
	if a.notif == nil || a.notif.svc == nil {
		return nil
	}
	return a.svc
}
