package slack

import (
	"fmt"
	"strings"

	goslack "github.com/slack-go/slack"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/notify"
	"github.com/elevate/elevate/internal/say"
)

// Block and action ids of the approval message.
const (
	BlockComment   = "elevate_comment"
	ActionComment  = "comment"
	BlockDecide    = "elevate_decide"
	ActionApprove  = "approve"
	ActionReject   = "reject"
	ActionOpenLink = "open_portal"
)

func mrkdwn(s string) *goslack.TextBlockObject {
	return goslack.NewTextBlockObject(goslack.MarkdownType, s, false, false)
}

func plain(s string) *goslack.TextBlockObject {
	return goslack.NewTextBlockObject(goslack.PlainTextType, s, false, false)
}

// escape makes text safe inside mrkdwn, keeping the Slack date tokens
// the notify package writes for Slack (blocks_use.go).
func escape(s string) string { return escapeKeepDates(s) }

// escapeText makes text safe inside mrkdwn.
func escapeText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// Blocks is the Block Kit message for m: the summary, the request's details,
// who decided, and, while the recipient may decide, a comment box with
// Approve and Reject buttons (or a link to the portal when approvals of
// this permission set need a portal sign-in).
func Blocks(m notify.Message) []goslack.Block {
	r := m.Request
	blocks := []goslack.Block{goslack.NewSectionBlock(mrkdwn("*"+escape(m.Subject)+"*"), nil, nil)}
	var fields []*goslack.TextBlockObject
	for _, row := range m.Voice.Details(r) {
		if row[1] == "" {
			continue
		}
		fields = append(fields, mrkdwn(fmt.Sprintf("*%s*\n%s", row[0], escape(row[1]))))
	}
	if len(fields) > 10 { // Slack's limit per section
		fields = fields[:10]
	}
	blocks = append(blocks, goslack.NewSectionBlock(nil, fields, nil))
	if o := notify.Outcome(r); o != "" {
		blocks = append(blocks, goslack.NewContextBlock("", mrkdwn(escape(outcomeLine(r, o)))))
	}
	switch {
	case m.CanDecide && m.ApproverMFA > 0:
		btn := goslack.NewButtonBlockElement(ActionOpenLink, r.ID, plain("Approve in elevate")).WithStyle(goslack.StylePrimary)
		btn.URL = m.URL
		blocks = append(blocks,
			goslack.NewContextBlock("", mrkdwn("Approving this request needs a sign-in to elevate with multi-factor authentication within the last "+
				say.Duration(m.ApproverMFA)+": approve it in the portal.")),
			goslack.NewActionBlock(BlockDecide, btn))
	case m.CanDecide && m.PortalOnly:
		btn := goslack.NewButtonBlockElement(ActionOpenLink, r.ID, plain("Review in elevate"))
		btn.URL = m.URL
		blocks = append(blocks,
			goslack.NewContextBlock("", mrkdwn("Approvals of "+escape(r.PermissionSetName)+" need a portal sign-in.")),
			goslack.NewActionBlock(BlockDecide, btn))
	case m.CanDecide:
		input := goslack.NewPlainTextInputBlockElement(plain("Why (required to reject)"), ActionComment)
		in := goslack.NewInputBlock(BlockComment, plain("Comment"), nil, input)
		in.Optional = true
		approve := goslack.NewButtonBlockElement(ActionApprove, r.ID, plain("Approve")).WithStyle(goslack.StylePrimary)
		reject := goslack.NewButtonBlockElement(ActionReject, r.ID, plain("Reject")).WithStyle(goslack.StyleDanger)
		blocks = append(blocks, in, goslack.NewActionBlock(BlockDecide, approve, reject))
	}
	blocks = append(blocks, useBlocks(m.Use)...)
	if m.Remind {
		blocks = append(blocks, reminderActions(m))
	}
	if m.Note != "" {
		blocks = append(blocks, goslack.NewContextBlock("", mrkdwn(escape(m.Note))))
	}
	blocks = append(blocks, goslack.NewContextBlock("", mrkdwn(fmt.Sprintf("<%s|%s>", m.URL, r.ID))))
	return blocks
}

// outcomeLine is the line that shows how the request was decided.
func outcomeLine(r access.Request, decisions string) string {
	switch r.Status {
	case access.StatusPending:
		return "So far: " + decisions
	case access.StatusRejected:
		return "Rejected: " + decisions
	case access.StatusCancelled, access.StatusExpired:
		return strings.ToUpper(string(r.Status[:1])) + string(r.Status[1:]) + ": " + decisions
	}
	return "Approved: " + decisions + " (now " + say.Status(string(r.Status)) + ")"
}
