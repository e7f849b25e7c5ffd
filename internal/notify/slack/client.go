// Package slack is elevate's Slack channel: it DMs approvers (found by
// email with users.lookupByEmail) a Block Kit message with the request's
// details, Approve and Reject buttons and a comment box; updates every
// approver's message in place when anyone decides; tells requesters what
// happens; posts one message per event in an optional audit channel; and
// serves the interaction endpoint (POST /slack/interactions), which checks
// Slack's request signature and decides through the same workflow use cases
// as the portal. It uses github.com/slack-go/slack.
package slack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	goslack "github.com/slack-go/slack"

	"github.com/elevate/elevate/internal/notify"
)

// Config configures the Slack channel.
type Config struct {
	// BotToken is the app's bot token (xoxb-...). Required. Never logged.
	BotToken string
	// SigningSecret checks interaction requests. Required for the
	// interaction endpoint. Never logged.
	SigningSecret string
	// AuditChannel is a channel id (or name) that gets one message per
	// event. Default empty: none.
	AuditChannel string
	// APIURL is Slack's Web API base. Default https://slack.com/api/ (tests
	// point it at a local server).
	APIURL string
	// HTTPClient makes the calls. Default: a client with a 10s timeout.
	HTTPClient *http.Client
}

// Client is the Slack channel. It satisfies notify.Slack.
type Client struct {
	cfg Config
	api *goslack.Client
}

var _ notify.Slack = (*Client)(nil)

// New returns a Client.
func New(cfg Config) (*Client, error) {
	if cfg.BotToken == "" {
		return nil, errors.New("slack: a bot token is required")
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	opts := []goslack.Option{goslack.OptionHTTPClient(cfg.HTTPClient)}
	if cfg.APIURL != "" {
		opts = append(opts, goslack.OptionAPIURL(strings.TrimRight(cfg.APIURL, "/")+"/"))
	}
	return &Client{cfg: cfg, api: goslack.New(cfg.BotToken, opts...)}, nil
}

// HasAuditChannel reports whether an audit channel is configured.
func (c *Client) HasAuditChannel() bool { return c.cfg.AuditChannel != "" }

// classify marks Slack's answers that no retry can fix as permanent.
func classify(op string, err error) error {
	var se goslack.SlackErrorResponse
	if errors.As(err, &se) {
		switch se.Err {
		case "users_not_found", "user_not_found", "channel_not_found", "not_in_channel", "is_archived",
			"invalid_auth", "account_inactive", "token_revoked", "missing_scope", "invalid_blocks", "msg_too_long":
			return &notify.PermanentError{Err: fmt.Errorf("slack: %s: %w", op, err)}
		}
	}
	return fmt.Errorf("slack: %s: %w", op, err)
}

// userByEmail finds the Slack user of a directory user.
func (c *Client) userByEmail(ctx context.Context, email string) (string, error) {
	if email == "" {
		return "", &notify.PermanentError{Err: errors.New("slack: the user has no email in the directory")}
	}
	u, err := c.api.GetUserByEmailContext(ctx, email)
	if err != nil {
		return "", classify("users.lookupByEmail", err)
	}
	return u.ID, nil
}

// DirectMessage finds the recipient by email and DMs them m.
func (c *Client) DirectMessage(ctx context.Context, m notify.Message) (channel, ts string, err error) {
	uid, err := c.userByEmail(ctx, m.Recipient.Email)
	if err != nil {
		return "", "", err
	}
	channel, ts, err = c.api.PostMessageContext(ctx, uid, goslack.MsgOptionText(m.Subject, false),
		goslack.MsgOptionBlocks(Blocks(m)...))
	if err != nil {
		return "", "", classify("chat.postMessage", err)
	}
	return channel, ts, nil
}

// UpdateMessage replaces the approver's message with the request as it is now.
func (c *Client) UpdateMessage(ctx context.Context, channel, ts string, m notify.Message) error {
	if _, _, _, err := c.api.UpdateMessageContext(ctx, channel, ts, goslack.MsgOptionText(m.Subject, false),
		goslack.MsgOptionBlocks(Blocks(m)...)); err != nil {
		return classify("chat.update", err)
	}
	return nil
}

// AuditMessage posts m in the audit channel.
func (c *Client) AuditMessage(ctx context.Context, m notify.Message) error {
	if c.cfg.AuditChannel == "" {
		return nil
	}
	m.CanDecide = false
	if _, _, err := c.api.PostMessageContext(ctx, c.cfg.AuditChannel, goslack.MsgOptionText(m.Subject, false),
		goslack.MsgOptionBlocks(Blocks(m)...)); err != nil {
		return classify("chat.postMessage (audit channel)", err)
	}
	return nil
}
