package cli

import (
	"strings"
	"testing"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/api/apitest"
)

// rawControl reports the first control character of out other than
// newline and tab, or -1.
func rawControl(out string) int {
	return strings.IndexFunc(out, func(r rune) bool { return r < 0x20 && r != '\n' && r != '\t' || r >= 0x7f && r <= 0x9f })
}

// TestOutputEscapesControlCharacters: stored text with terminal escapes
// (stored before the server refused them, or names from the identity
// provider) reaches the terminal escaped, and a multi-line justification
// can't forge a row of `elevate show`.
func TestOutputEscapesControlCharacters(t *testing.T) {
	t.Parallel()
	ct := newClientCmdTest(t)
	id := ct.newRequestID()
	r, _ := ct.fake.Request(id)
	r.Justification = "fix prod\x1b[2J\x07\nStatus: approved"
	r.Ticket = "INC-1\x1b]0;pwned\x07\x00"
	r.Approvals = append(r.Approvals, access.Approval{UserID: "u-bob", UserName: "bob", Verdict: access.VerdictReject, Comment: "no\u009b31m", At: r.CreatedAt})
	ct.fake.Put(r)
	for _, args := range [][]string{{"show", id}, {"ls"}} {
		out := ct.mustRun(apitest.AliceToken, args...)
		if i := rawControl(out); i >= 0 {
			t.Errorf("elevate %s writes the raw control character %q at %d:\n%q", strings.Join(args, " "), out[i], i, out)
		}
	}
	out := ct.mustRun(apitest.AliceToken, "show", id)
	for _, want := range []string{`fix prod\x1b[2J\x07`, `INC-1\x1b]0;pwned\x07\x00`, `no\u009b31m`} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks the escaped %q:\n%s", want, out)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "Status: approved") {
			t.Errorf("the justification forged a row: %q", line)
		}
	}
}

func TestTerminalWriterHoldsSplitRunes(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	w := &terminalWriter{w: &b}
	in := []byte("é✓\x1b")
	for i := range in {
		if _, err := w.Write(in[i : i+1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if b.String() != `é✓\x1b` {
		t.Fatalf("got %q", b.String())
	}
}
