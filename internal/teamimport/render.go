package teamimport

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/elevate/elevate/internal/policy"
)

// YAML writes the document as `elevate policy plan -f` reads it, preceded
// by comments that say where it came from, what was not imported and why,
// and where elevate will behave differently from TEAM. The comments keep
// that list with the document when it is reviewed or committed.
func (r Result) YAML() ([]byte, error) {
	body, err := policy.Marshal(r.Document)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString("# Imported from AWS TEAM by `elevate import team`: " + r.Summary() + ".\n")
	for _, s := range r.Sources {
		b.WriteString("#   from " + s + "\n")
	}
	b.WriteString("# Review it with `elevate policy plan -f FILE`, then `elevate policy apply -f FILE`.\n")
	if len(r.NotImported) > 0 {
		fmt.Fprintf(&b, "#\n# Not imported (%d):\n", len(r.NotImported))
		for _, n := range r.NotImported {
			comment(&b, "- "+n.String())
		}
	}
	if len(r.Notes) > 0 {
		fmt.Fprintf(&b, "#\n# Notes (%d):\n", len(r.Notes))
		for _, n := range r.Notes {
			comment(&b, "- "+n)
		}
	}
	b.WriteString("#\n")
	b.Write(body)
	return b.Bytes(), nil
}

// comment writes text as comment lines, one per line of the text, so that
// a name holding a line break cannot end the comment.
func comment(b *bytes.Buffer, text string) {
	for _, line := range strings.Split(text, "\n") {
		b.WriteString("#   " + line + "\n")
	}
}
