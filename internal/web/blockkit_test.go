package web

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"
)

// renderBlocks draws what Slack draws: each case is a block as elevate
// sends it and what the HTML must (and must not) contain.
func TestRenderBlocks(t *testing.T) {
	t.Parallel()
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		blocks    string
		o         bkOptions
		want, not []string
	}{
		{"bold, italic, strike, code", `[{"type":"section","text":{"type":"mrkdwn","text":"*alice* asks _now_ ~not~ ` + "`x`" + `"}}]`, bkOptions{},
			[]string{"<strong>alice</strong>", "<em>now</em>", "<del>not</del>", "<code>x</code>"}, []string{"*alice*"}},
		{"links and Slack's escapes", `[{"type":"section","text":{"type":"mrkdwn","text":"<https://e.example/r/1|req 1> &lt;b&gt; &amp; co"}}]`, bkOptions{},
			[]string{`<a href="https://e.example/r/1" target="_blank" rel="noopener noreferrer">req 1</a>`, "&lt;b&gt; &amp; co"}, []string{"<b>", "&amp;lt;"}},
		{"a date token in the reader's zone", `[{"type":"context","elements":[{"type":"mrkdwn","text":"until <!date^1796725830^{date_short_pretty} at {time}|Tue 8 Dec 2026 10:30:30 UTC>"}]}]`,
			bkOptions{Loc: tokyo}, []string{`<time datetime="2026-12-08T10:30:30Z">`, "JST"}, []string{"!date"}},
		{"plain text is escaped", `[{"type":"header","text":{"type":"plain_text","text":"<script>x</script> *not bold*"}}]`, bkOptions{},
			[]string{"&lt;script&gt;", "*not bold*"}, []string{"<script>", "<strong>"}},
		{"fields", `[{"type":"section","fields":[{"type":"mrkdwn","text":"*Requester*\nalice"}]}]`, bkOptions{},
			[]string{`class="bk-fields"`, "<strong>Requester</strong><br>alice"}, nil},
		{"buttons only drawn", `[{"type":"actions","block_id":"elevate_decide","elements":[{"type":"button","action_id":"approve","value":"r1","style":"primary","text":{"type":"plain_text","text":"Approve"}}]}]`,
			bkOptions{}, []string{`<span class="bk-button bk-primary" data-action="approve">Approve</span>`}, []string{"<button"}},
		{"buttons the demo may press", `[{"type":"input","block_id":"elevate_comment","label":{"type":"plain_text","text":"Comment"},"optional":true,"element":{"type":"plain_text_input","action_id":"comment"}},{"type":"actions","elements":[{"type":"button","action_id":"approve","value":"r1","text":{"type":"plain_text","text":"Approve"}},{"type":"button","action_id":"open_portal","url":"https://e.example","text":{"type":"plain_text","text":"Review"}}]}]`,
			bkOptions{Clickable: map[string]bool{"approve": true, "comment": true}},
			[]string{`<button type="submit" class="bk-button" name="action" value="approve"`, `name="comment"`, `<a class="bk-button" href="https://e.example"`, `<label for="bk0-in">Comment`},
			[]string{"disabled"}},
		{"a select", `[{"type":"input","label":{"type":"plain_text","text":"Account"},"element":{"type":"external_select","action_id":"account","placeholder":{"type":"plain_text","text":"Type a name"}}}]`,
			bkOptions{}, []string{`<select id="bk0-in" disabled aria-label="Type a name">`}, nil},
		{"a divider and an unknown block", `[{"type":"divider"},{"type":"video"}]`, bkOptions{},
			[]string{`<hr class="bk-divider">`, "[a video block]"}, nil},
	} {
		got, err := renderBlocks(json.RawMessage(tc.blocks), tc.o)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(string(got), w) {
				t.Errorf("%s: %s\ndoes not contain %s", tc.name, got, w)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(string(got), n) {
				t.Errorf("%s: %s\ncontains %s", tc.name, got, n)
			}
		}
	}
	if _, err := renderBlocks(json.RawMessage(`{"not":"blocks"}`), bkOptions{}); err == nil {
		t.Error("JSON that is not a list of blocks is drawn without an error")
	}
}

// The Block Kit Builder link carries the payload in its fragment, as JSON
// percent-encoded: a message's blocks, a modal with its title, a home tab.
func TestBuilderURL(t *testing.T) {
	t.Parallel()
	blocks := json.RawMessage(`[{"type":"section","text":{"type":"mrkdwn","text":"a & b #1 +2 ?"}}]`)
	for _, tc := range []struct {
		kind, title string
		wantType    any
	}{{"message", "", nil}, {"modal", "Request access to everything at once", "modal"}, {"home", "", "home"}} {
		u := BuilderURL(tc.kind, tc.title, blocks)
		frag, ok := strings.CutPrefix(u, "https://app.slack.com/block-kit-builder/#")
		if !ok {
			t.Fatalf("%s: %s is not a Block Kit Builder link", tc.kind, u)
		}
		if strings.ContainsAny(frag, " #+?&") {
			t.Errorf("%s: the fragment is not fully encoded: %s", tc.kind, frag)
		}
		raw, err := url.PathUnescape(frag)
		if err != nil {
			t.Fatal(err)
		}
		var p map[string]any
		if err := json.Unmarshal([]byte(raw), &p); err != nil {
			t.Fatalf("%s: %v", tc.kind, err)
		}
		if p["type"] != tc.wantType {
			t.Errorf("%s: type %v, want %v", tc.kind, p["type"], tc.wantType)
		}
		if !strings.Contains(raw, `"text":"a & b #1 +2 ?"`) {
			t.Errorf("%s: the blocks are not carried as given: %s", tc.kind, raw)
		}
		if tc.kind == "modal" {
			title := p["title"].(map[string]any)["text"].(string)
			if len([]rune(title)) > 24 {
				t.Errorf("the modal's title %q is longer than Slack's 24 characters", title)
			}
		}
	}
}
