package access

import (
	"strings"
	"testing"
)

func TestCleanText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in        string
		multiline bool
		want      string // "" with err: refused, the message holds err
		err       string
	}{
		{"INC-1 broken prod", false, "INC-1 broken prod", ""},
		{"line one\nline\ttwo", true, "line one\nline\ttwo", ""},
		{"line one\r\nline two", true, "line one\nline two", ""},
		{"Ünïcödé ✓", false, "Ünïcödé ✓", ""},
		{"T-1\nT-2", false, "", "line break"},
		{"T-1\tT-2", false, "", "U+0009"},
		{"a\rb", true, "", "line break"},
		{"a\x00b", true, "", "U+0000"},
		{"a\x1b[2Jb", true, "", "U+001B"},
		{"a\ab", true, "", "U+0007"},
		{"a\u0085b", true, "", "U+0085"},
		{"a\x7fb", true, "", "U+007F"},
		{"a\xffb", true, "", "not valid UTF-8"},
	} {
		got, err := CleanText("field", tc.in, tc.multiline)
		if tc.err == "" {
			if err != nil || got != tc.want {
				t.Errorf("CleanText(%q, %v) = %q, %v; want %q", tc.in, tc.multiline, got, err, tc.want)
			}
			continue
		}
		if ErrorCode(err) != CodeInvalid || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), "field") {
			t.Errorf("CleanText(%q, %v) = %q, %v; want invalid_argument naming the field and %q", tc.in, tc.multiline, got, err, tc.err)
		}
	}
}

func TestEscapeControls(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"plain ✓":              "plain ✓",
		"two\nlines\tand tab":  "two\nlines\tand tab",
		"crlf\r\nline":         "crlf\nline",
		"\x1b[2Jclear":         `\x1b[2Jclear`,
		"bell\a nul\x00 cr\r":  `bell\x07 nul\x00 cr\x0d`,
		"del\x7f c1\u009b31m":  `del\x7f c1\u009b31m`,
		"bad \xff utf8":        `bad \xff utf8`,
		"\x1b]0;title\x07done": `\x1b]0;title\x07done`,
	} {
		if got := EscapeControls(in); got != want {
			t.Errorf("EscapeControls(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPluralAndJoinAnd(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		n            int
		noun, plural string
		want         string
	}{
		{0, "permission set", "", "0 permission sets"},
		{1, "permission set", "", "1 permission set"},
		{2, "permission set", "", "2 permission sets"},
		{1, "entry", "entries", "1 entry"},
		{3, "entry", "entries", "3 entries"},
	} {
		if got := Plural(c.n, c.noun, c.plural); got != c.want {
			t.Errorf("Plural(%d, %q, %q) = %q, want %q", c.n, c.noun, c.plural, got, c.want)
		}
	}
	for _, c := range []struct {
		names []string
		want  string
	}{{nil, ""}, {[]string{"bob"}, "bob"}, {[]string{"bob", "carol"}, "bob and carol"}, {[]string{"a", "b", "c"}, "a, b and c"}} {
		if got := JoinAnd(c.names); got != c.want {
			t.Errorf("JoinAnd(%v) = %q, want %q", c.names, got, c.want)
		}
	}
}
