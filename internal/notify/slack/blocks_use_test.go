package slack

import "testing"

// Escaping keeps exactly the date tokens notify writes for Slack and
// escapes everything else, so free text can't forge a link or a mention.
func TestEscapeKeepDates(t *testing.T) {
	t.Parallel()
	tok := "<!date^1796725830^{date_short_pretty} at {time}|Tue 8 Dec 2026 10:30 UTC>"
	for _, tc := range []struct{ in, want string }{
		{"until " + tok, "until " + tok},
		{"a " + tok + " and <b> & " + tok, "a " + tok + " and &lt;b&gt; &amp; " + tok},
		{"<https://evil.example|click>", "&lt;https://evil.example|click&gt;"},
		{"<!channel>", "&lt;!channel&gt;"},
		{"<!date^1^{date_short_pretty} at {time}^https://evil.example|x>", "&lt;!date^1^{date_short_pretty} at {time}^https://evil.example|x&gt;"},
		{"<!date^1^{date_short_pretty} at {time}|<!channel>>", "&lt;!date^1^{date_short_pretty} at {time}|&lt;!channel&gt;&gt;"},
	} {
		if got := escape(tc.in); got != tc.want {
			t.Errorf("escape(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
