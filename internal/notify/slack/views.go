package slack

import (
	"context"
	"errors"

	goslack "github.com/slack-go/slack"
)

// RequestModal is the modal /elevate and the shortcut open before anything
// is chosen (the notifications page of the demo shows it).
func RequestModal() goslack.ModalViewRequest { return requestModal(form{}, nil) }

// HomeBlocks are the blocks of the App Home tab elevate publishes for the
// Slack user: their access, their requests and what waits for them.
func (h *Interactions) HomeBlocks(ctx context.Context, slackUser string) ([]goslack.Block, error) {
	if h.ask == nil {
		return nil, errors.New("slack: the App Home needs the request use cases")
	}
	return h.ask.homeBlocks(ctx, slackUser, ""), nil
}
