package cli

import (
	"io"
	"unicode/utf8"

	"github.com/elevate/elevate/internal/access"
)

// terminalWriter passes output through access.EscapeControls, so that text
// the server stored (a justification, a comment, a name from the identity
// provider) can never carry an escape sequence to the user's terminal.
// Every command's stdout and stderr go through one. A UTF-8 sequence split
// across two writes is held back until it is whole (Flush writes what is
// left).
type terminalWriter struct {
	w       io.Writer
	pending []byte
}

func (t *terminalWriter) Write(p []byte) (int, error) {
	buf := append(t.pending, p...)
	t.pending = nil
	cut := len(buf)
	for i := len(buf) - 1; i >= 0 && i >= len(buf)-utf8.UTFMax; i-- {
		if utf8.RuneStart(buf[i]) {
			if !utf8.FullRune(buf[i:]) {
				cut = i
			}
			break
		}
	}
	t.pending = append([]byte(nil), buf[cut:]...)
	if _, err := io.WriteString(t.w, access.EscapeControls(string(buf[:cut]))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush writes a trailing incomplete UTF-8 sequence, escaped.
func (t *terminalWriter) Flush() error {
	if len(t.pending) == 0 {
		return nil
	}
	s := access.EscapeControls(string(t.pending))
	t.pending = nil
	_, err := io.WriteString(t.w, s)
	return err
}
