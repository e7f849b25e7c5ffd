package slackfake

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"

	goslack "github.com/slack-go/slack"
)

// Slack's documented limits (Block Kit reference: blocks, block elements,
// composition objects, views).
const (
	MaxViewBlocks      = 100  // blocks in a modal or a Home tab
	MaxText            = 3000 // a text object
	MaxOptions         = 100  // options in a select, and in an external select's answer
	MaxOptionText      = 75   // an option's text
	MaxOptionValue     = 150  // an option's value
	MaxID              = 255  // block_id, action_id, callback_id
	MaxModalTitle      = 24   // a modal's title, submit and close texts
	MaxHeader          = 150  // a header block's text
	MaxFields          = 10   // a section's fields
	MaxButtonText      = 75   // a button's text
	MaxButtonValue     = 2000 // a button's value
	MaxPlaceholder     = 150  // an element's placeholder
	MaxPrivateMetadata = 3000 // a view's private_metadata
	MaxConfirmTitle    = 100
	MaxConfirmText     = 300
	MaxConfirmButton   = 30
	MaxActionElements  = 25
	MaxContextElements = 10
)

// checkView checks a view (as sent to views.open, views.update or
// views.publish) against slack-go's types and Slack's limits, and returns
// every problem found.
func checkView(raw json.RawMessage, modal bool) []string {
	var probs []string
	add := func(f string, a ...any) { probs = append(probs, fmt.Sprintf(f, a...)) }
	var typed struct {
		Type            goslack.ViewType `json:"type"`
		Blocks          goslack.Blocks   `json:"blocks"`
		PrivateMetadata string           `json:"private_metadata"`
		CallbackID      string           `json:"callback_id"`
	}
	if err := json.Unmarshal(raw, &typed); err != nil {
		return []string{"the view does not decode as slack-go's view: " + err.Error()}
	}
	if modal && typed.Type != goslack.VTModal || !modal && typed.Type != goslack.VTHomeTab {
		add("view type %q", typed.Type)
	}
	if n := len(typed.Blocks.BlockSet); n > MaxViewBlocks || n == 0 {
		add("the view has %d blocks (1 to %d)", n, MaxViewBlocks)
	}
	ids := map[string]bool{}
	for _, b := range typed.Blocks.BlockSet {
		if _, unknown := b.(*goslack.UnknownBlock); unknown {
			add("block type %q is unknown to slack-go", b.BlockType())
		}
		if id := b.ID(); id != "" {
			if ids[id] {
				add("block_id %q is used twice", id)
			}
			ids[id] = true
		}
	}
	if utf8.RuneCountInString(typed.PrivateMetadata) > MaxPrivateMetadata {
		add("private_metadata is longer than %d", MaxPrivateMetadata)
	}
	var generic map[string]any
	_ = json.Unmarshal(raw, &generic)
	if modal {
		for _, k := range []string{"title", "submit", "close"} {
			if t, ok := generic[k].(map[string]any); ok {
				if s, _ := t["text"].(string); utf8.RuneCountInString(s) > MaxModalTitle {
					add("the modal's %s %q is longer than %d", k, s, MaxModalTitle)
				}
			}
		}
		if generic["title"] == nil {
			add("a modal needs a title")
		}
		if hasInput(generic) && generic["submit"] == nil {
			add("a modal with input blocks needs a submit text")
		}
	}
	walk(generic, "", add)
	return probs
}

func hasInput(v map[string]any) bool {
	bs, _ := v["blocks"].([]any)
	for _, b := range bs {
		if m, ok := b.(map[string]any); ok && m["type"] == "input" {
			return true
		}
	}
	return false
}

// walk checks every object of the JSON for the limits of its kind.
func walk(v any, path string, add func(string, ...any)) {
	switch x := v.(type) {
	case []any:
		for i, e := range x {
			walk(e, fmt.Sprintf("%s[%d]", path, i), add)
		}
	case map[string]any:
		checkObject(x, path, add)
		for k, e := range x {
			walk(e, path+"."+k, add)
		}
	}
}

func length(v any) int {
	s, _ := v.(string)
	return utf8.RuneCountInString(s)
}

func textOf(v any) any {
	if m, ok := v.(map[string]any); ok {
		return m["text"]
	}
	return nil
}

func checkObject(m map[string]any, path string, add func(string, ...any)) {
	typ, _ := m["type"].(string)
	switch typ {
	case "plain_text", "mrkdwn":
		if n := length(m["text"]); n == 0 || n > MaxText {
			add("%s: a text of %d characters (1 to %d)", path, n, MaxText)
		}
	case "header":
		if n := length(textOf(m["text"])); n > MaxHeader {
			add("%s: a header of %d characters (at most %d)", path, n, MaxHeader)
		}
	case "section":
		if fs, ok := m["fields"].([]any); ok && len(fs) > MaxFields {
			add("%s: %d fields (at most %d)", path, len(fs), MaxFields)
		}
		if m["text"] == nil && m["fields"] == nil {
			add("%s: a section needs a text or fields", path)
		}
	case "actions":
		if es, _ := m["elements"].([]any); len(es) > MaxActionElements || len(es) == 0 {
			add("%s: %d elements (1 to %d)", path, len(es), MaxActionElements)
		}
	case "context":
		if es, _ := m["elements"].([]any); len(es) > MaxContextElements || len(es) == 0 {
			add("%s: %d elements (1 to %d)", path, len(es), MaxContextElements)
		}
	case "button":
		if n := length(textOf(m["text"])); n > MaxButtonText {
			add("%s: a button text of %d characters (at most %d)", path, n, MaxButtonText)
		}
		if n := length(m["value"]); n > MaxButtonValue {
			add("%s: a button value of %d characters (at most %d)", path, n, MaxButtonValue)
		}
	case "static_select":
		if os, _ := m["options"].([]any); len(os) > MaxOptions || len(os) == 0 {
			add("%s: a static select with %d options (1 to %d)", path, len(os), MaxOptions)
		}
	}
	for _, k := range []string{"block_id", "action_id", "callback_id"} {
		if n := length(m[k]); n > MaxID {
			add("%s: %s of %d characters (at most %d)", path, k, n, MaxID)
		}
	}
	if p, ok := m["placeholder"]; ok && length(textOf(p)) > MaxPlaceholder {
		add("%s: a placeholder longer than %d", path, MaxPlaceholder)
	}
	if c, ok := m["confirm"].(map[string]any); ok && m["action_id"] != nil {
		for k, lim := range map[string]int{"title": MaxConfirmTitle, "text": MaxConfirmText, "confirm": MaxConfirmButton, "deny": MaxConfirmButton} {
			if n := length(textOf(c[k])); n > lim || (k != "deny" && n == 0) {
				add("%s.confirm.%s: %d characters (1 to %d)", path, k, n, lim)
			}
		}
	}
	for _, k := range []string{"options", "initial_option"} {
		var opts []any
		switch o := m[k].(type) {
		case []any:
			opts = o
		case map[string]any:
			opts = []any{o}
		}
		for _, o := range opts {
			om, _ := o.(map[string]any)
			if n := length(textOf(om["text"])); n == 0 || n > MaxOptionText {
				add("%s.%s: an option text of %d characters (1 to %d)", path, k, n, MaxOptionText)
			}
			if n := length(om["value"]); n == 0 || n > MaxOptionValue {
				add("%s.%s: an option value of %d characters (1 to %d)", path, k, n, MaxOptionValue)
			}
		}
	}
}

// CheckOptions checks an answer to block_suggestion against slack-go's
// OptionsResponse and Slack's limits.
func CheckOptions(body []byte) (goslack.OptionsResponse, []string) {
	var out goslack.OptionsResponse
	if err := json.Unmarshal(body, &out); err != nil {
		return out, []string{"the answer does not decode as slack-go's OptionsResponse: " + err.Error()}
	}
	var probs []string
	if len(out.Options) > MaxOptions {
		probs = append(probs, fmt.Sprintf("%d options (at most %d)", len(out.Options), MaxOptions))
	}
	var generic map[string]any
	_ = json.Unmarshal(body, &generic)
	walk(generic, "options", func(f string, a ...any) { probs = append(probs, fmt.Sprintf(f, a...)) })
	return out, probs
}
