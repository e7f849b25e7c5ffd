package store

import "github.com/elevate/elevate/internal/access"

// TerminalStatuses are the request statuses no transition leaves: the only
// ones retention may delete (PrunableRequests).
func TerminalStatuses() []string {
	var out []string
	for _, s := range access.Statuses {
		if s.Terminal() {
			out = append(out, string(s))
		}
	}
	return out
}
