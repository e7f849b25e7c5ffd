package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/notify"
	"github.com/elevate/elevate/internal/workflow"
)

// Notifications lists recorded notifications; *workflow.Notifications
// satisfies it. It authorizes: everyone's only for admins and auditors.
type Notifications interface {
	List(ctx context.Context, actor access.Actor, in notify.ListInput) ([]notify.NotificationJSON, error)
}

var _ Notifications = (*workflow.Notifications)(nil)

// notificationList is a page of notifications.
type notificationList struct {
	Items []notify.NotificationJSON `json:"items"`
}

// notificationsRef holds the notifications service (WithNotifications).
type notificationsRef struct{ n Notifications }

// WithNotifications serves the notification endpoints from n, and returns a.
func (a *API) WithNotifications(n Notifications) *API {
	a.notif.n = n
	return a
}

// listNotifications serves GET /api/v1/notifications: the actor's own, or
// everyone's with all=true (admins and auditors).
func (a *API) listNotifications(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	all := r.URL.Query().Get("all") == "true"
	return a.serveNotifications(w, r, actor, all)
}

// adminNotifications serves GET /api/v1/admin/notifications?status=failed.
func (a *API) adminNotifications(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if !actor.Admin {
		return access.Errorf(access.CodeForbidden, "only admins can see every notification")
	}
	return a.serveNotifications(w, r, actor, true)
}

func (a *API) serveNotifications(w http.ResponseWriter, r *http.Request, actor access.Actor, all bool) error {
	if a.notif.n == nil {
		return access.Errorf(access.CodeNotFound, "notifications are not served by this server")
	}
	q := r.URL.Query()
	in := notify.ListInput{Status: q.Get("status"), RequestID: q.Get("request_id"), All: all}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			return access.Errorf(access.CodeInvalid, "limit %q: want 1 to 1000", s)
		}
		in.Limit = n
	}
	items, err := a.notif.n.List(r.Context(), actor, in)
	if err != nil {
		return err
	}
	a.writeJSON(w, r, http.StatusOK, notificationList{Items: items})
	return nil
}
