package web

import (
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/say"
)

// The notifications page shows a Slack message, modal or App Home as Slack
// draws it: an HTML rendering of the Block Kit blocks elevate sends
// (header, section with text, fields and an accessory, context, actions
// with buttons and selects, input, divider) and of mrkdwn's basics (bold,
// italic, strike, code, links, date tokens, line breaks). Anything else is
// named, so nothing is silently left out.

// blockKitBuilder is Slack's Block Kit Builder; it opens the payload given
// in its fragment (JSON, percent-encoded).
const blockKitBuilder = "https://app.slack.com/block-kit-builder/#"

// BuilderURL is the Block Kit Builder link that opens blocks as a message
// (kind "message"), a modal ("modal", with its title) or an App Home tab
// ("home").
func BuilderURL(kind, title string, blocks json.RawMessage) string {
	payload := map[string]any{"blocks": blocks}
	switch kind {
	case "modal":
		payload["type"] = "modal"
		payload["title"] = map[string]any{"type": "plain_text", "text": clipText(title, 24)}
	case "home":
		payload["type"] = "home"
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // the builder shows the text as written: "&", not "\u0026"
	if err := enc.Encode(payload); err != nil {
		return ""
	}
	return blockKitBuilder + strings.ReplaceAll(url.QueryEscape(strings.TrimSpace(b.String())), "+", "%20")
}

// clipText shortens s to n runes (Slack's modal title takes 24).
func clipText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// bkOptions say how blocks are drawn: the zone date tokens are said in,
// and whether Approve and Reject buttons submit (the demo's simulated
// click) or are only drawn.
type bkOptions struct {
	Loc *time.Location
	// Clickable: buttons whose action id is here submit the enclosing form
	// with name="action" and the action id as value; the comment box is a
	// real input named "comment".
	Clickable map[string]bool
}

type bkObject struct {
	Type     string `json:"type"`
	Text     string `json:"text"`
	Verbatim bool   `json:"verbatim"`
}

type bkElement struct {
	Type        string     `json:"type"`
	ActionID    string     `json:"action_id"`
	Text        *bkObject  `json:"text"`
	Value       string     `json:"value"`
	URL         string     `json:"url"`
	Style       string     `json:"style"`
	Placeholder *bkObject  `json:"placeholder"`
	Multiline   bool       `json:"multiline"`
	Options     []bkOption `json:"options"`
	Initial     *bkOption  `json:"initial_option"`
	InitialText string     `json:"initial_value"`
	ImageURL    string     `json:"image_url"`
	AltText     string     `json:"alt_text"`
}

type bkOption struct {
	Text  bkObject `json:"text"`
	Value string   `json:"value"`
}

type bkBlock struct {
	Type      string     `json:"type"`
	BlockID   string     `json:"block_id"`
	Text      *bkObject  `json:"text"`
	Fields    []bkObject `json:"fields"`
	Accessory *bkElement `json:"accessory"`
	// Elements are a context's texts and images, or an actions block's
	// interactive elements: decoded by the block's type.
	Elements []json.RawMessage `json:"elements"`
	Element  *bkElement        `json:"element"`
	Label    *bkObject         `json:"label"`
	Hint     *bkObject         `json:"hint"`
	Optional bool              `json:"optional"`
}

// renderBlocks draws blocks (a JSON array) as HTML.
func renderBlocks(raw json.RawMessage, o bkOptions) (template.HTML, error) {
	var blocks []bkBlock
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return "", fmt.Errorf("blocks are not Block Kit JSON: %w", err)
	}
	if o.Loc == nil {
		o.Loc = time.UTC
	}
	var b strings.Builder
	b.WriteString(`<div class="bk">`)
	for i, bl := range blocks {
		o.block(&b, bl, i)
	}
	b.WriteString(`</div>`)
	return template.HTML(b.String()), nil //nolint:gosec // every text is escaped by o.text and esc
}

func esc(s string) string { return html.EscapeString(s) }

func (o bkOptions) block(b *strings.Builder, bl bkBlock, i int) {
	switch bl.Type {
	case "header":
		fmt.Fprintf(b, `<div class="bk-header">%s</div>`, o.text(bl.Text))
	case "section":
		b.WriteString(`<div class="bk-section"><div class="bk-main">`)
		if bl.Text != nil {
			fmt.Fprintf(b, `<div class="bk-text">%s</div>`, o.text(bl.Text))
		}
		if len(bl.Fields) > 0 {
			b.WriteString(`<div class="bk-fields">`)
			for _, f := range bl.Fields {
				fmt.Fprintf(b, `<div>%s</div>`, o.text(&f))
			}
			b.WriteString(`</div>`)
		}
		b.WriteString(`</div>`)
		if bl.Accessory != nil {
			fmt.Fprintf(b, `<div class="bk-accessory">%s</div>`, o.element(*bl.Accessory, fmt.Sprintf("bk%d-acc", i)))
		}
		b.WriteString(`</div>`)
	case "context":
		b.WriteString(`<div class="bk-context">`)
		for _, raw := range bl.Elements {
			var e struct {
				bkObject
				AltText string `json:"alt_text"`
			}
			_ = json.Unmarshal(raw, &e)
			if e.Type == "image" {
				fmt.Fprintf(b, `<span class="bk-img" role="img" aria-label="%s"></span>`, esc(e.AltText))
				continue
			}
			fmt.Fprintf(b, `<span>%s</span>`, o.text(&e.bkObject))
		}
		b.WriteString(`</div>`)
	case "actions":
		b.WriteString(`<div class="bk-actions">`)
		for j, raw := range bl.Elements {
			var e bkElement
			if err := json.Unmarshal(raw, &e); err != nil {
				b.WriteString(`<span class="bk-muted">[an element elevate cannot draw]</span>`)
				continue
			}
			b.WriteString(o.element(e, fmt.Sprintf("bk%d-%d", i, j)))
		}
		b.WriteString(`</div>`)
	case "input":
		id := fmt.Sprintf("bk%d-in", i)
		label := ""
		if bl.Label != nil {
			label = o.text(bl.Label)
		}
		opt := ""
		if bl.Optional {
			opt = ` <span class="bk-muted">(optional)</span>`
		}
		fmt.Fprintf(b, `<div class="bk-input"><label for="%s">%s%s</label>`, id, label, opt)
		if bl.Element != nil {
			b.WriteString(o.element(*bl.Element, id))
		}
		if bl.Hint != nil {
			fmt.Fprintf(b, `<div class="bk-muted">%s</div>`, o.text(bl.Hint))
		}
		b.WriteString(`</div>`)
	case "divider":
		b.WriteString(`<hr class="bk-divider">`)
	default:
		fmt.Fprintf(b, `<div class="bk-muted">[a %s block]</div>`, esc(bl.Type))
	}
}

// element draws an interactive element; id names it for its label.
func (o bkOptions) element(e bkElement, id string) string {
	label := ""
	if e.Text != nil {
		label = o.text(e.Text)
	}
	switch e.Type {
	case "button":
		cls := "bk-button"
		if e.Style != "" {
			cls += " bk-" + esc(e.Style)
		}
		if e.URL != "" {
			return fmt.Sprintf(`<a class="%s" href="%s" target="_blank" rel="noopener noreferrer">%s</a>`, cls, esc(e.URL), label)
		}
		if o.Clickable[e.ActionID] {
			return fmt.Sprintf(`<button type="submit" class="%s" name="action" value="%s" data-action="%s">%s</button>`, cls, esc(e.ActionID), esc(e.ActionID), label)
		}
		return fmt.Sprintf(`<span class="%s" data-action="%s">%s</span>`, cls, esc(e.ActionID), label)
	case "plain_text_input":
		ph := ""
		if e.Placeholder != nil {
			ph = e.Placeholder.Text
		}
		name, dis := "", " disabled"
		if o.Clickable["comment"] && e.ActionID == "comment" {
			name, dis = ` name="comment"`, ""
		}
		if e.Multiline {
			return fmt.Sprintf(`<textarea id="%s"%s placeholder="%s" rows="3"%s>%s</textarea>`, id, name, esc(ph), dis, esc(e.InitialText))
		}
		return fmt.Sprintf(`<input id="%s"%s placeholder="%s" value="%s"%s>`, id, name, esc(ph), esc(e.InitialText), dis)
	case "static_select", "external_select", "users_select", "multi_static_select", "multi_external_select":
		ph := "Select…"
		if e.Placeholder != nil {
			ph = e.Placeholder.Text
		}
		var b strings.Builder
		fmt.Fprintf(&b, `<select id="%s" disabled aria-label="%s">`, id, esc(ph))
		if e.Initial != nil {
			fmt.Fprintf(&b, `<option selected>%s</option>`, esc(e.Initial.Text.Text))
		} else {
			fmt.Fprintf(&b, `<option>%s</option>`, esc(ph))
		}
		for _, opt := range e.Options {
			fmt.Fprintf(&b, `<option>%s</option>`, esc(opt.Text.Text))
		}
		b.WriteString(`</select>`)
		return b.String()
	case "radio_buttons", "checkboxes":
		var b strings.Builder
		fmt.Fprintf(&b, `<div id="%s" class="bk-choices">`, id)
		for _, opt := range e.Options {
			fmt.Fprintf(&b, `<div>○ %s</div>`, esc(opt.Text.Text))
		}
		b.WriteString(`</div>`)
		return b.String()
	case "datetimepicker", "datepicker", "timepicker":
		what := map[string]string{"datetimepicker": "date and time", "datepicker": "date", "timepicker": "time"}[e.Type]
		return fmt.Sprintf(`<input id="%s" disabled placeholder="Pick a %s">`, id, what)
	case "image":
		return fmt.Sprintf(`<span class="bk-img" role="img" aria-label="%s"></span>`, esc(e.AltText))
	}
	return fmt.Sprintf(`<span class="bk-muted" id="%s">[a %s element]</span>`, id, esc(e.Type))
}

var (
	mdLink   = regexp.MustCompile(`<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>`)
	mdDate   = regexp.MustCompile(`<!date\^(\d+)\^[^|>]*\|([^>]*)>`)
	mdBold   = regexp.MustCompile(`(^|[\s(>])\*([^*\n]+)\*`)
	mdItalic = regexp.MustCompile(`(^|[\s(>])_([^_\n]+)_`)
	mdStrike = regexp.MustCompile(`(^|[\s(>])~([^~\n]+)~`)
	mdCode   = regexp.MustCompile("`([^`\n]+)`")
)

// text draws a text object: plain text escaped, mrkdwn's basics as HTML.
// Slack's own escapes (&amp; &lt; &gt;) are undone before escaping for
// HTML, so text reads as in Slack.
func (o bkOptions) text(t *bkObject) string {
	if t == nil {
		return ""
	}
	if t.Type != "mrkdwn" {
		return esc(t.Text)
	}
	s := t.Text
	// Dates and links first, while their angle brackets are Slack's.
	type piece struct{ html string }
	var pieces []piece
	hold := func(h string) string {
		pieces = append(pieces, piece{h})
		return "\x00" + strconv.Itoa(len(pieces)-1) + "\x00"
	}
	s = mdDate.ReplaceAllStringFunc(s, func(m string) string {
		sm := mdDate.FindStringSubmatch(m)
		sec, err := strconv.ParseInt(sm[1], 10, 64)
		if err != nil {
			return hold(esc(unslack(sm[2])))
		}
		at := time.Unix(sec, 0)
		return hold(fmt.Sprintf(`<time datetime="%s">%s</time>`, at.UTC().Format(time.RFC3339), esc(say.Time(at, o.Loc))))
	})
	s = mdLink.ReplaceAllStringFunc(s, func(m string) string {
		sm := mdLink.FindStringSubmatch(m)
		label := sm[2]
		if label == "" {
			label = sm[1]
		}
		return hold(fmt.Sprintf(`<a href="%s" target="_blank" rel="noopener noreferrer">%s</a>`, esc(unslack(sm[1])), esc(unslack(label))))
	})
	s = esc(unslack(s))
	s = mdCode.ReplaceAllString(s, "<code>$1</code>")
	s = mdBold.ReplaceAllString(s, "$1<strong>$2</strong>")
	s = mdItalic.ReplaceAllString(s, "$1<em>$2</em>")
	s = mdStrike.ReplaceAllString(s, "$1<del>$2</del>")
	s = strings.ReplaceAll(s, "\n", "<br>")
	for i, p := range pieces {
		s = strings.Replace(s, "\x00"+strconv.Itoa(i)+"\x00", p.html, 1)
	}
	return s
}

// unslack undoes Slack's escapes of &, < and >.
func unslack(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}
