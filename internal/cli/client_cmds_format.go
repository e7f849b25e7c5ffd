package cli

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/elevate/elevate/client"
	"github.com/elevate/elevate/internal/access"
)

func flushTable(tw *tabwriter.Writer) error {
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}

func approvalCount(r *client.Request) int {
	n := 0
	for _, a := range r.Approvals {
		if a.Verdict == "approve" {
			n++
		}
	}
	return n
}

// plural is access.Plural for nouns whose plural ends in s.
func plural(n int, noun string) string { return access.Plural(n, noun, "") }

func userNames(us []client.UserRef) string {
	names := make([]string, len(us))
	for i, u := range us {
		names[i] = u.UserName
	}
	if len(names) == 0 {
		return "nobody"
	}
	return strings.Join(names, ", ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func details(m map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if m[k] != "" {
			parts = append(parts, k+"="+m[k])
		}
	}
	return strings.Join(parts, " ")
}
