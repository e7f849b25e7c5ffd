package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/notify"
	"github.com/elevate/elevate/internal/workflow"
)

// Notifications lists the notifications elevate planned and delivered (in
// the demo, what the log channel "sent"); *workflow.Notifications satisfies
// it and authorizes (everyone's only for admins and auditors).
type Notifications interface {
	List(ctx context.Context, actor access.Actor, in notify.ListInput) ([]notify.NotificationJSON, error)
}

var _ Notifications = (*workflow.Notifications)(nil)

type notificationsData struct {
	Status    string
	RequestID string
	Statuses  []string
	Items     []notify.NotificationJSON
	// Messages: each item links to its message as the recipient sees it.
	Messages bool
	// Views are the demo's Slack views (the modal, the App Home).
	Views []viewData
	Demo  bool
}

// notificationsPage serves GET /admin/notifications?status=&request_id=:
// every notification, newest first (at most 200), with its channel,
// recipient, status and last error. Admins only.
func (p *Portal) notificationsPage(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if !actor.Admin {
		return access.Errorf(access.CodeForbidden, "Only admins may see the admin pages.")
	}
	if p.o.Notifications == nil {
		return access.Errorf(access.CodeNotFound, "Notifications are not recorded by this server.")
	}
	q := r.URL.Query()
	d := notificationsData{Status: strings.TrimSpace(q.Get("status")), RequestID: strings.TrimSpace(q.Get("request_id")), Statuses: notify.Statuses}
	items, err := p.o.Notifications.List(r.Context(), actor, notify.ListInput{Status: d.Status, RequestID: d.RequestID, Limit: 200, All: true})
	if err != nil {
		return err
	}
	d.Items = items
	d.Messages = p.o.Messages != nil
	d.Demo = p.o.SlackDemo != nil
	d.Views = p.slackViewsData(r.Context(), w, actor)
	p.render(w, http.StatusOK, "admin_notifications", view{Title: "Notifications", Nav: "admin", Actor: actor, SignedIn: true, D: d})
	return nil
}
