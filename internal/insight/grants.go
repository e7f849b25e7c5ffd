package insight

import (
	"sort"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// Use states of a grant.
const (
	// Used: its session made at least one call (signing in counts).
	Used = "used"
	// Unused: its activity was fetched and holds no call.
	Unused = "unused"
	// Pending: no call stored yet and a fetch is scheduled or running (or
	// the grant is still active): it can't be told yet.
	Pending = "pending"
	// Unknown: no call stored and the fetch failed, or activity is off.
	Unknown = "unknown"
)

// Grant is one grant's usage.
type Grant struct {
	GrantID           string    `json:"grant_id"`
	RequestID         string    `json:"request_id"`
	RequesterID       string    `json:"requester_id"`
	Requester         string    `json:"requester"`
	AccountID         string    `json:"account_id"`
	AccountName       string    `json:"account_name"`
	PermissionSetARN  string    `json:"permission_set_arn"`
	PermissionSetName string    `json:"permission_set_name"`
	ActivatedAt       time.Time `json:"activated_at"`
	// EndedAt is when the grant was revoked; nil while active.
	EndedAt *time.Time `json:"ended_at"`
	// State is Used, Unused, Pending or Unknown.
	State string `json:"state"`
	// Calls counts every stored call, sign-ins and refused ones included.
	Calls int `json:"calls"`
	// Services are the actions the session used (calls its policies
	// govern and did not refuse), by service.
	Services []Service `json:"services"`
	// Denied are the actions it tried and was refused.
	Denied []string `json:"denied"`
}

// Service is the actions used of one IAM service prefix.
type Service struct {
	Service string   `json:"service"` // the IAM prefix, e.g. s3
	Actions []string `json:"actions"` // full actions, e.g. s3:GetObject, sorted
	Calls   int      `json:"calls"`
}

// GrantOf summarizes one grant's usage; accountName names its account
// ("" when unknown).
func GrantOf(g access.GrantUsage, accountName string) Grant {
	out := Grant{GrantID: g.GrantID, RequestID: g.RequestID, RequesterID: g.RequesterID, Requester: g.RequesterName,
		AccountID: g.AccountID, AccountName: accountName, PermissionSetARN: g.PermissionSetARN, PermissionSetName: g.PermissionSetName,
		ActivatedAt: g.ActivatedAt.UTC(), Services: []Service{}, Denied: []string{}}
	if !g.RevokedAt.IsZero() {
		t := g.RevokedAt.UTC()
		out.EndedAt = &t
	}
	used := map[string]int{}
	deniedSet := map[string]bool{}
	for _, c := range g.Calls {
		out.Calls += c.Count
		action, governed := ActionOf(c.Source, c.Name)
		switch {
		case !governed:
		case denied(c.ErrorCode):
			deniedSet[action] = true
		default:
			used[action] += c.Count
		}
	}
	out.Services = groupActions(used)
	out.Denied = sortedKeys(deniedSet)
	switch {
	case out.Calls > 0:
		out.State = Used
	case g.ActivityStatus == access.ActivityFetched:
		out.State = Unused
	case g.ActivityStatus == access.ActivityPending || (g.ActivityStatus == "" && g.RevokedAt.IsZero()):
		out.State = Pending
	default:
		out.State = Unknown
	}
	return out
}

// groupActions groups actions (with their call counts) by service, both
// sorted.
func groupActions(counts map[string]int) []Service {
	by := map[string]*Service{}
	for a, n := range counts {
		svc, _, _ := strings.Cut(a, ":")
		s := by[svc]
		if s == nil {
			s = &Service{Service: svc}
			by[svc] = s
		}
		s.Actions = append(s.Actions, a)
		s.Calls += n
	}
	out := make([]Service, 0, len(by))
	for _, svc := range sortedKeys(by) {
		s := by[svc]
		sort.Strings(s.Actions)
		out = append(out, *s)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
