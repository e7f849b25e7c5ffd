package web

import "testing"

func TestCSVSafe(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"fix prod":             "fix prod",
		"two\nlines":           "two\nlines",
		"=HYPERLINK(\"x\")":    "'=HYPERLINK(\"x\")",
		"+1":                   "'+1",
		"-2+3":                 "'-2+3",
		"@SUM(A1)":             "'@SUM(A1)",
		"\t=1":                 "'\t=1",
		"\r=1":                 `'\x0d=1`,
		"a\x1b[2Jb":            `a\x1b[2Jb`,
		"\x1b]0;title\x07":     `\x1b]0;title\x07`,
		"nul\x00 c1\u009b31m":  `nul\x00 c1\u009b31m`,
		"req_0001":             "req_0001",
		"2026-01-02T15:04:05Z": "2026-01-02T15:04:05Z",
	} {
		if got := csvSafe(in); got != want {
			t.Errorf("csvSafe(%q) = %q, want %q", in, got, want)
		}
	}
}
