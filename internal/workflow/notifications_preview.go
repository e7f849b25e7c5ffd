package workflow

import (
	"context"
	"errors"
	"fmt"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/notify"
	"github.com/elevate/elevate/internal/store"
)

// Preview is a notification rendered for its channel as delivery renders
// it now (from the request as it is now, in the recipient's zone), for the
// notifications page to show the message as its recipient sees it.
type Preview struct {
	Notification notify.NotificationJSON
	Channel      string
	Message      notify.Message
}

// Preview renders notification id as its channel would send it now, or
// as channel as would ("": its own). Admins and auditors may preview
// every notification; anyone else only their own.
func (n *Notifications) Preview(ctx context.Context, actor access.Actor, id, as string) (Preview, error) {
	if actor.UserID == "" && !actor.IsSystem() {
		return Preview{}, access.Errorf(access.CodeUnauthenticated, "sign in to see notifications")
	}
	var in rendering
	err := n.st.ReadTx(ctx, func(tx store.Tx) error {
		var err error
		if in, err = readRendering(ctx, tx, id, nil); err != nil {
			return err
		}
		if !actor.Admin && !actor.Auditor && !actor.IsSystem() && in.nt.RecipientID != actor.UserID {
			return access.Errorf(access.CodeNotFound, "There is no notification %s for you.", id)
		}
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return Preview{}, access.Errorf(access.CodeNotFound, "There is no notification %s.", id)
	}
	if err != nil {
		return Preview{}, fmt.Errorf("preview notification %s: %w", id, err)
	}
	// stored is the notification as recorded; nt may be rendered as
	// another channel would.
	stored, nt := in.nt, in.nt
	if as != "" {
		nt.Channel = as
	}
	ev, err := notify.DecodeEvent(nt.Event)
	if err != nil {
		return Preview{}, fmt.Errorf("preview notification %s: %w", id, err)
	}
	return Preview{Notification: notify.JSON([]access.Notification{stored})[0], Channel: nt.Channel,
		Message: n.cfg.RenderIn(nt, ev, in.r, in.recip, in.names, in.zone)}, nil
}
