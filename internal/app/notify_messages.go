package app

import (
	"context"
	"encoding/json"
	"fmt"

	goslack "github.com/slack-go/slack"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/notify"
	"github.com/elevate/elevate/internal/notify/email"
	"github.com/elevate/elevate/internal/notify/slack"
	"github.com/elevate/elevate/internal/notify/slack/slacklocal"
	"github.com/elevate/elevate/internal/notify/teams"
	"github.com/elevate/elevate/internal/notify/webhook"
	"github.com/elevate/elevate/internal/web"
	"github.com/elevate/elevate/internal/workflow"
)

// messages renders notifications for the portal's notifications page with
// the channels' own renderers: what a recipient sees is what delivery
// sends. It satisfies web.Messages. svc reads the request's rule, as the
// delivery does: under approver_mfa a Slack message links to the portal.
type messages struct {
	n   *workflow.Notifications
	svc *workflow.Service
}

// withRule sets what delivery reads from the request's rule on msg.
func (m messages) withRule(ctx context.Context, actor access.Actor, msg *notify.Message) error {
	if m.svc == nil {
		return nil
	}
	d, err := m.svc.ApproverMFA(ctx, actor, msg.Request.ID)
	if err != nil {
		return err
	}
	msg.ApproverMFA = d
	return nil
}

var _ web.Messages = messages{}

// Message renders notification id on its channel. A notification of the
// log channel (the demo) is shown as Slack and email would show it.
func (m messages) Message(ctx context.Context, actor access.Actor, id string) (web.MessageView, error) {
	pv, err := m.n.Preview(ctx, actor, id, "")
	if err != nil {
		return web.MessageView{}, err
	}
	nj := pv.Notification
	v := web.MessageView{ID: nj.ID, Channel: nj.Channel, Event: nj.Event, Recipient: nj.Recipient, Subject: pv.Message.Subject,
		Status: nj.Status, RequestID: nj.RequestID, Text: pv.Message.Text}
	msg := pv.Message
	if err := m.withRule(ctx, actor, &msg); err != nil {
		return web.MessageView{}, err
	}
	switch nj.Channel {
	case notify.ChannelSlack, notify.ChannelSlackUpdate:
		err = slackView(&v, msg)
	case notify.ChannelSlackAudit, notify.ChannelSlackChannel:
		// The audit and notify channels cannot decide: no buttons (as sent).
		msg.CanDecide, msg.Remind = false, false
		err = slackView(&v, msg)
	case notify.ChannelEmail:
		v.EmailText, v.EmailHTML, err = email.Bodies(msg)
	case notify.ChannelWebhook:
		v.JSON, err = indent(webhook.PayloadOf(msg))
	case notify.ChannelTeams:
		v.JSON, err = indent(teams.Envelope(teams.Card(msg)))
	case notify.ChannelLog:
		// The demo's channel: show the message as Slack and email would.
		asSlack, err := m.n.Preview(ctx, actor, id, notify.ChannelSlack)
		if err != nil {
			return web.MessageView{}, err
		}
		if err := m.withRule(ctx, actor, &asSlack.Message); err != nil {
			return web.MessageView{}, err
		}
		if err := slackView(&v, asSlack.Message); err != nil {
			return web.MessageView{}, err
		}
		asEmail, err := m.n.Preview(ctx, actor, id, notify.ChannelEmail)
		if err != nil {
			return web.MessageView{}, err
		}
		v.EmailText, v.EmailHTML, err = email.Bodies(asEmail.Message)
		if err != nil {
			return web.MessageView{}, err
		}
	}
	if err != nil {
		return web.MessageView{}, fmt.Errorf("render notification %s: %w", id, err)
	}
	return v, nil
}

// slackView puts m's Block Kit blocks in v, and the buttons its recipient
// may press.
func slackView(v *web.MessageView, m notify.Message) error {
	b, err := json.Marshal(slack.Blocks(m))
	if err != nil {
		return err
	}
	v.SlackBlocks = b
	if m.CanDecide && !m.PortalOnly && m.ApproverMFA == 0 {
		v.Clickable = []string{slack.ActionApprove, slack.ActionReject}
	}
	return nil
}

func indent(x any) (string, error) {
	b, err := json.MarshalIndent(x, "", "  ")
	return string(b), err
}

// DemoSlack is the demo's local Slack: the stand-in workspace and where it
// listens (for the response_urls of simulated clicks).
type DemoSlack struct {
	Workspace *slacklocal.Workspace
	URL       string
}

// slackDemo is the demo's Slack on the notifications page: the views Slack
// would show, and clicks posted, signed, to elevate's own Slack endpoint.
// It satisfies web.SlackDemo.
type slackDemo struct {
	a     *App
	n     *notifications
	local *DemoSlack
}

var _ web.SlackDemo = slackDemo{}

// Views are the /elevate modal and the actor's App Home.
func (s slackDemo) Views(ctx context.Context, actor access.Actor) ([]web.SlackView, error) {
	modal, err := json.Marshal(slack.RequestModal().Blocks.BlockSet)
	if err != nil {
		return nil, err
	}
	out := []web.SlackView{{Kind: "modal", Title: "Request access", Blocks: modal}}
	if id, ok := s.local.Workspace.IDByEmail(actor.Email); ok {
		blocks, err := s.n.inter.HomeBlocks(ctx, id)
		if err != nil {
			return nil, err
		}
		home, err := json.Marshal(goslack.Blocks{BlockSet: blocks}.BlockSet)
		if err != nil {
			return nil, err
		}
		out = append(out, web.SlackView{Kind: "home", Title: "App Home of " + actor.UserName, Blocks: home})
	}
	return out, nil
}

// Click presses the Approve or Reject button of notification id's Slack
// message as its recipient, with the comment, through elevate's own Slack
// endpoint: the same signed path a real click takes, so the same checks
// (signature, the Slack user's directory user, self-approval) apply.
func (s slackDemo) Click(ctx context.Context, actor access.Actor, id, action, comment string) (string, error) {
	if action != slack.ActionApprove && action != slack.ActionReject {
		return "", access.Errorf(access.CodeInvalid, "There is no Slack button %q to press: press Approve or Reject.", action)
	}
	pv, err := s.n.svc.Preview(ctx, actor, id, notify.ChannelSlack)
	if err != nil {
		return "", err
	}
	if pv.Message.Recipient.Email == "" {
		return "", access.Errorf(access.CodeInvalid, "Notification %s has no recipient in Slack: only a direct message has buttons.", id)
	}
	return s.local.Workspace.Press(ctx, s.a.URL(), s.local.URL, pv.Message.Recipient.Email, slack.BlockDecide, action, pv.Message.Request.ID, comment)
}
