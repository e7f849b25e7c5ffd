package workflow

import (
	"context"
	"fmt"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/notify"
	"github.com/elevate/elevate/internal/store"
)

// List returns notifications, newest first: an actor's own, or everyone's
// for admins and auditors. The admin page lists the failed deliveries with
// {Status: failed, All: true}.
func (n *Notifications) List(ctx context.Context, actor access.Actor, in notify.ListInput) ([]notify.NotificationJSON, error) {
	f, err := in.Filter(actor)
	if err != nil {
		return nil, err
	}
	var ns []access.Notification
	err = n.st.ReadTx(ctx, func(tx store.Tx) error {
		var err error
		ns, err = tx.ListNotifications(ctx, f)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list notifications: %w", err)
	}
	return notify.JSON(ns), nil
}
