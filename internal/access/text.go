package access

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// CleanText checks the free text of field (a justification, ticket or
// comment) and returns it with CRLF line ends turned into LF. Text is
// refused when it is not valid UTF-8 or holds a control character:
// terminal escapes (ESC, BEL), NUL (which PostgreSQL can't store) and the
// like would reach terminals, CSV files and notifications. multiline text
// keeps newlines and tabs; one-line text (a ticket) refuses them too.
func CleanText(field, s string, multiline bool) (string, error) {
	if !utf8.ValidString(s) {
		return "", Errorf(CodeInvalid, "%s is not valid UTF-8", field)
	}
	if multiline {
		s = strings.ReplaceAll(s, "\r\n", "\n")
	}
	for _, c := range s {
		if !unicode.IsControl(c) || multiline && (c == '\n' || c == '\t') {
			continue
		}
		if c == '\n' || c == '\r' {
			return "", Errorf(CodeInvalid, "%s holds a line break: give it on one line", field)
		}
		return "", Errorf(CodeInvalid, "%s holds the control character %U: remove it", field, c)
	}
	return s, nil
}

// EscapeControls renders the control characters of s that CleanText
// would refuse but that reach output anyway (text stored before it, names
// from the identity provider) visibly, for terminals and CSV files: CRLF becomes LF, newline
// and tab stay, others become \xHH (C0, DEL) or \uHHHH (C1), and bytes that
// are not UTF-8 become \xHH. A terminal then never receives an escape
// sequence from stored text.
func EscapeControls(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' || r == utf8.RuneError }) {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n' || r == '\t' || !unicode.IsControl(r):
			b.WriteString(s[i : i+n])
		case r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		i += n
	}
	return b.String()
}

// JoinAnd joins names for a sentence: "bob", "bob and carol", "bob, carol
// and dave".
func JoinAnd(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// Plural renders a count with its noun: "1 permission set", "2 permission
// sets". plural is the noun's plural; empty means noun + "s".
func Plural(n int, noun, plural string) string {
	if n == 1 || n == -1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	if plural == "" {
		plural = noun + "s"
	}
	return fmt.Sprintf("%d %s", n, plural)
}
