package slackfake

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	goslack "github.com/slack-go/slack"
)

func section(text string) goslack.Block {
	return goslack.NewSectionBlock(goslack.NewTextBlockObject(goslack.MarkdownType, text, false, false), nil, nil)
}

func modal(blocks ...goslack.Block) goslack.ModalViewRequest {
	return goslack.ModalViewRequest{Type: goslack.VTModal, Title: goslack.NewTextBlockObject(goslack.PlainTextType, "Request access", false, false),
		Blocks: goslack.Blocks{BlockSet: blocks}}
}

func options(n int, text string) []*goslack.OptionBlockObject {
	var out []*goslack.OptionBlockObject
	for i := range n {
		out = append(out, goslack.NewOptionBlockObject(strings.Repeat("v", 1+i%3), goslack.NewTextBlockObject(goslack.PlainTextType, text, false, false), nil))
	}
	return out
}

// TestCheckView: the checker finds each broken limit, and passes a view
// within them.
func TestCheckView(t *testing.T) {
	t.Parallel()
	many := make([]goslack.Block, 101)
	for i := range many {
		many[i] = section("x")
	}
	sel := func(n int, text string) goslack.Block {
		return goslack.NewInputBlock("b", goslack.NewTextBlockObject(goslack.PlainTextType, "L", false, false), nil,
			goslack.NewOptionsSelectBlockElement(goslack.OptTypeStatic, nil, "a", options(n, text)...))
	}
	fine := modal(section("hello"), sel(100, "an option"))
	fine.Submit = goslack.NewTextBlockObject(goslack.PlainTextType, "Request", false, false)
	long := modal(section("x"))
	long.Title = goslack.NewTextBlockObject(goslack.PlainTextType, strings.Repeat("t", 25), false, false)
	for _, tc := range []struct {
		name string
		view goslack.ModalViewRequest
		want string // "" passes
	}{
		{"fine", fine, ""},
		{"an input without a submit text", modal(sel(1, "o")), "needs a submit"},
		{"101 blocks", modal(many...), "101 blocks"},
		{"a 3,001-character text", modal(section(strings.Repeat("a", 3001))), "3001"},
		{"an empty text", modal(section("")), "a text of 0 characters"},
		{"101 options", modal(sel(101, "o")), "101 options"},
		{"a 76-character option", modal(sel(1, strings.Repeat("o", 76))), "option text of 76"},
		{"a long title", long, "title"},
		{"two blocks with one id", modal(goslack.NewSectionBlock(goslack.NewTextBlockObject("mrkdwn", "x", false, false), nil, nil, goslack.SectionBlockOptionBlockID("d")),
			goslack.NewSectionBlock(goslack.NewTextBlockObject("mrkdwn", "y", false, false), nil, nil, goslack.SectionBlockOptionBlockID("d"))), "used twice"},
	} {
		raw, _ := json.Marshal(tc.view)
		probs := strings.Join(checkView(raw, true), "; ")
		if tc.want == "" && probs != "" || tc.want != "" && !strings.Contains(probs, tc.want) {
			t.Errorf("%s: problems %q, want %q", tc.name, probs, tc.want)
		}
	}
	body, _ := json.Marshal(goslack.OptionsResponse{Options: options(101, "o")})
	if _, probs := CheckOptions(body); len(probs) == 0 || !strings.Contains(probs[0], "101 options") {
		t.Errorf("101 suggested options: %v", probs)
	}
}

// TestTriggers: views.open through slack-go succeeds with a fresh trigger
// once, and is refused with a used, unknown or expired one.
func TestTriggers(t *testing.T) {
	t.Parallel()
	w := New(&quiet{T: t}, "s", User{ID: "U1", Name: "u", Email: "u@example.com"})
	api := goslack.New("xoxb-t", goslack.OptionAPIURL(w.APIURL()))
	ctx := context.Background()
	trig := w.trigger("U1")
	if _, err := api.OpenViewContext(ctx, trig, modal(section("x"))); err != nil {
		t.Fatalf("a fresh trigger: %v", err)
	}
	if _, err := api.OpenViewContext(ctx, trig, modal(section("x"))); err == nil || !strings.Contains(err.Error(), "invalid_trigger_id") {
		t.Errorf("a used trigger: %v", err)
	}
	old := w.trigger("U1")
	w.mu.Lock()
	w.triggers[old] = time.Now().Add(-TriggerTTL - time.Second)
	w.mu.Unlock()
	if _, err := api.OpenViewContext(ctx, old, modal(section("x"))); err == nil || !strings.Contains(err.Error(), "expired_trigger_id") {
		t.Errorf("an expired trigger: %v", err)
	}
	if n := len(w.Problems()); n != 2 {
		t.Errorf("%d problems recorded, want 2 (the used and the expired trigger)", n)
	}
}

// quiet is a testing.T whose cleanups run, but which does not turn the
// problems this test provokes into failures.
type quiet struct {
	*testing.T
}

func (q *quiet) Errorf(string, ...any) {}
