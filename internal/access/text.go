package access

import (
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
