package web

import (
	"context"
	"encoding/json"
	"html/template"
	"net/http"
	"strings"

	"github.com/elevate/elevate/internal/access"
)

// MessageView is one notification as its recipient sees it, on its
// channel: a Slack message's blocks, an email's text and HTML, the
// webhook's JSON, a Teams card.
type MessageView struct {
	ID, Channel, Event, Recipient, Subject, Status, RequestID string
	// SlackBlocks are the Block Kit blocks of a Slack message (nil: not Slack).
	SlackBlocks json.RawMessage
	// EmailText and EmailHTML are an email's two parts (empty: not email).
	EmailText, EmailHTML string
	// JSON is what a webhook or Teams post carries, indented.
	JSON string
	// Text is the plain text other channels (the log) say.
	Text string
	// Clickable lists the Slack buttons the demo can press for the
	// recipient (SlackClicks): Approve and Reject while they may decide.
	Clickable []string
}

// SlackView is a Slack surface the demo shows: the /elevate modal or a
// user's App Home, as blocks.
type SlackView struct {
	Kind  string // "modal" or "home"
	Title string
	// Blocks are the view's blocks.
	Blocks json.RawMessage
}

// Messages renders notifications for the notifications page; the app
// builds it from the workflow's previews and the channels' renderers.
type Messages interface {
	Message(ctx context.Context, actor access.Actor, id string) (MessageView, error)
}

// SlackDemo is the demo's Slack without a workspace: the views Slack would
// show, and a press of a message's button, signed with the demo's signing
// secret and posted to elevate's own Slack endpoint (the path a real click
// takes). Only `elevate demo` sets it.
type SlackDemo interface {
	Views(ctx context.Context, actor access.Actor) ([]SlackView, error)
	Click(ctx context.Context, actor access.Actor, notificationID, action, comment string) (string, error)
}

type messageData struct {
	M          MessageView
	Blocks     template.HTML
	BuilderURL string
	// EmailBody is the email's HTML part, its body only: elevate's own
	// template made it, with every value escaped.
	EmailBody template.HTML
	Demo      bool
	Result    string
}

type viewData struct {
	Kind, Title, BuilderURL string
	HTML                    template.HTML
}

// messagePage serves GET /admin/notifications/{id}: the message as its
// recipient sees it, with a Block Kit Builder link for Slack, and in the
// demo the buttons that simulate the recipient's click. Admins only, as
// the list.
func (p *Portal) messagePage(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return p.renderMessage(w, r, actor, http.StatusOK, "", "")
}

func (p *Portal) renderMessage(w http.ResponseWriter, r *http.Request, actor access.Actor, status int, notice, errMsg string) error {
	if !actor.Admin {
		return access.Errorf(access.CodeForbidden, "Only admins may see the admin pages.")
	}
	if p.o.Messages == nil {
		return access.Errorf(access.CodeNotFound, "Notifications are not recorded by this server.")
	}
	m, err := p.o.Messages.Message(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	d := messageData{M: m, EmailBody: emailBody(m.EmailHTML), Demo: p.o.SlackDemo != nil}
	if m.SlackBlocks != nil {
		o := bkOptions{Loc: zoneOf(w)}
		if d.Demo {
			o.Clickable = map[string]bool{}
			for _, a := range m.Clickable {
				o.Clickable[a] = true
			}
			if len(m.Clickable) > 0 {
				o.Clickable["comment"] = true
			}
		}
		if d.Blocks, err = renderBlocks(m.SlackBlocks, o); err != nil {
			return err
		}
		d.BuilderURL = BuilderURL("message", "", m.SlackBlocks)
	}
	p.render(w, status, "admin_message", view{Title: "Notification " + m.ID, Nav: "admin", Actor: actor, SignedIn: true,
		Notice: notice, Error: errMsg, D: d})
	return nil
}

// slackClick serves POST /admin/notifications/{id}/click (the demo only):
// presses the message's button as its recipient would in Slack.
func (p *Portal) slackClick(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if !actor.Admin {
		return access.Errorf(access.CodeForbidden, "Only admins may see the admin pages.")
	}
	if p.o.SlackDemo == nil {
		return access.Errorf(access.CodeNotFound, "Simulated Slack clicks are for the demo only.")
	}
	answer, err := p.o.SlackDemo.Click(r.Context(), actor, r.PathValue("id"), r.PostFormValue("action"), strings.TrimSpace(r.PostFormValue("comment")))
	if err != nil {
		return p.renderMessage(w, r, actor, statusOf(err), "", "The click did not go through: "+p.message(r, err))
	}
	return p.renderMessage(w, r, actor, http.StatusOK, "Slack sent the click to elevate, which answered: "+answer, "")
}

// slackViewsData draws the demo's Slack views for the notifications page.
func (p *Portal) slackViewsData(ctx context.Context, w http.ResponseWriter, actor access.Actor) []viewData {
	if p.o.SlackDemo == nil {
		return nil
	}
	views, err := p.o.SlackDemo.Views(ctx, actor)
	if err != nil {
		p.log.WarnContext(ctx, "web: the demo's Slack views", "error", err)
		return nil
	}
	var out []viewData
	for _, v := range views {
		h, err := renderBlocks(v.Blocks, bkOptions{Loc: zoneOf(w)})
		if err != nil {
			p.log.WarnContext(ctx, "web: draw a Slack view", "kind", v.Kind, "error", err)
			continue
		}
		out = append(out, viewData{Kind: v.Kind, Title: v.Title, BuilderURL: BuilderURL(v.Kind, v.Title, v.Blocks), HTML: h})
	}
	return out
}

// emailBody is what is inside the body element of an email's HTML part.
func emailBody(doc string) template.HTML {
	if i := strings.Index(doc, "<body"); i >= 0 {
		if j := strings.Index(doc[i:], ">"); j >= 0 {
			doc = doc[i+j+1:]
		}
	}
	if i := strings.LastIndex(doc, "</body>"); i >= 0 {
		doc = doc[:i]
	}
	return template.HTML(doc) //nolint:gosec // elevate's own email template made it (html/template, values escaped)
}
