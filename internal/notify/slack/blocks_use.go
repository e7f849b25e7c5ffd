package slack

import (
	"fmt"
	"regexp"
	"strings"

	goslack "github.com/slack-go/slack"

	"github.com/elevate/elevate/internal/notify"
)

// ActionOpenConsole prefixes the action ids of the console link buttons
// (URL buttons: Slack opens the link; the interaction is ignored).
const ActionOpenConsole = "open_console"

// BlockUse is the block id of the console link buttons.
const BlockUse = "elevate_use"

// maxConsoleButtons is how many accounts get a console button; the others
// are listed as links in the text.
const maxConsoleButtons = 5

// dateToken matches exactly the Slack date tokens notify's Slack voice
// writes, so escaping keeps them and nothing else in angle brackets.
var dateToken = regexp.MustCompile(`<!date\^\d+\^\{date_short_pretty\} at \{time(?:_secs)?\}\|[^<>&|]*>`)

// escapeKeepDates is escape for text that may hold Slack date tokens: the
// tokens stay, everything else is escaped.
func escapeKeepDates(s string) string {
	var b strings.Builder
	last := 0
	for _, loc := range dateToken.FindAllStringIndex(s, -1) {
		b.WriteString(escapeText(s[last:loc[0]]))
		b.WriteString(s[loc[0]:loc[1]])
		last = loc[1]
	}
	b.WriteString(escapeText(s[last:]))
	return b.String()
}

// useBlocks are the "now use it" blocks of the message telling the
// requester their access is active: console buttons and the ~/.aws/config
// profile in a code block.
func useBlocks(u *notify.Use) []goslack.Block {
	if u == nil {
		return nil
	}
	var lines []string
	var buttons []goslack.BlockElement
	for i, c := range u.Consoles {
		if i < maxConsoleButtons {
			btn := goslack.NewButtonBlockElement(fmt.Sprintf("%s_%d", ActionOpenConsole, i), c.URL, plain("Open console: "+c.Account))
			btn.URL = c.URL
			buttons = append(buttons, btn)
			continue
		}
		lines = append(lines, fmt.Sprintf("<%s|Console: %s>", c.URL, escapeText(c.Account)))
	}
	text := "*Use it now*: open the console, or add this profile to `~/.aws/config` and run `aws sso login --sso-session elevate`."
	if len(lines) > 0 {
		text += "\n" + strings.Join(lines, "\n")
	}
	blocks := []goslack.Block{goslack.NewSectionBlock(mrkdwn(text), nil, nil)}
	if len(buttons) > 0 {
		blocks = append(blocks, goslack.NewActionBlock(BlockUse, buttons...))
	}
	return append(blocks, goslack.NewSectionBlock(mrkdwn("```"+escapeText(u.Profile)+"```"), nil, nil))
}
