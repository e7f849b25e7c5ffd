package slack

import (
	"context"

	goslack "github.com/slack-go/slack"

	"github.com/elevate/elevate/internal/notify"
)

// ChannelMessage posts m in the channel (its id) that a rule's
// notify_channels names: without buttons, since a channel cannot decide.
func (c *Client) ChannelMessage(ctx context.Context, channel string, m notify.Message) error {
	m.CanDecide, m.Remind = false, false
	if _, _, err := c.api.PostMessageContext(ctx, channel, goslack.MsgOptionText(m.Subject, false),
		goslack.MsgOptionBlocks(Blocks(m)...)); err != nil {
		return classify("chat.postMessage (notify channel "+channel+")", err)
	}
	return nil
}
