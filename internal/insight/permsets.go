package insight

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/elevate/elevate/internal/access"
)

// PermissionSet compares what a permission set's grants used in the window
// with what it allows, and suggests a narrower policy.
type PermissionSet struct {
	PermissionSetARN  string `json:"permission_set_arn"`
	PermissionSetName string `json:"permission_set_name"`
	Grants            int    `json:"grants"`
	UsedGrants        int    `json:"used_grants"`
	// Used are the actions used across its grants, by service.
	Used []Service `json:"used"`
	// Allowed is what its inline policy allows (action patterns of its
	// Allow statements), and the managed policies it names.
	Allowed Allowed `json:"allowed"`
	// UnusedPatterns are the inline policy's allowed patterns no used
	// action matched.
	UnusedPatterns []string `json:"unused_patterns"`
	// Suggestion is a policy document allowing exactly the used actions,
	// grouped by service; "" when nothing was used.
	Suggestion string `json:"suggestion"`
	// Caveats say what the suggestion can't know.
	Caveats []string `json:"caveats"`
	// Error says why the permission set's policies could not be read
	// (the comparison is then against nothing).
	Error string `json:"error,omitempty"`
}

// Allowed is what a permission set's policies allow, as far as elevate can
// read them.
type Allowed struct {
	// Inline are the action patterns of the inline policy's Allow
	// statements, sorted.
	Inline          []string `json:"inline"`
	Managed         []string `json:"managed"`          // AWS managed policies, by name
	CustomerManaged []string `json:"customer_managed"` // customer managed policies, path and name
	// NotExpanded names what could not be turned into actions.
	NotExpanded []string `json:"not_expanded"`
}

// statement is the part of an IAM policy statement read here.
type statement struct {
	Sid       string          `json:"Sid"`
	Effect    string          `json:"Effect"`
	Action    json.RawMessage `json:"Action"`
	NotAction json.RawMessage `json:"NotAction"`
}

// stringOrList decodes IAM's "a string or a list of strings".
func stringOrList(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil {
		return nil, fmt.Errorf("not a string or a list of strings: %s", raw)
	}
	return many, nil
}

// InlineAllows returns the action patterns of an inline policy's Allow
// statements and notes for what it could not expand (NotAction).
func InlineAllows(doc string) (patterns, notes []string, err error) {
	if strings.TrimSpace(doc) == "" {
		return nil, nil, nil
	}
	var p struct {
		Statement json.RawMessage `json:"Statement"`
	}
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return nil, nil, fmt.Errorf("inline policy: %w", err)
	}
	var sts []statement
	if len(p.Statement) > 0 && p.Statement[0] == '{' {
		var one statement
		if err := json.Unmarshal(p.Statement, &one); err != nil {
			return nil, nil, fmt.Errorf("inline policy statement: %w", err)
		}
		sts = []statement{one}
	} else if err := json.Unmarshal(p.Statement, &sts); err != nil {
		return nil, nil, fmt.Errorf("inline policy statements: %w", err)
	}
	set := map[string]bool{}
	for i, st := range sts {
		if !strings.EqualFold(st.Effect, "Allow") {
			continue // a Deny narrows; it allows nothing
		}
		if len(st.NotAction) > 0 {
			name := st.Sid
			if name == "" {
				name = fmt.Sprintf("#%d", i+1)
			}
			notes = append(notes, fmt.Sprintf("inline statement %s: NotAction, not expanded", name))
			continue
		}
		acts, err := stringOrList(st.Action)
		if err != nil {
			return nil, nil, fmt.Errorf("inline policy statement %d Action: %w", i+1, err)
		}
		for _, a := range acts {
			set[a] = true
		}
	}
	return sortedKeys(set), notes, nil
}

// PermissionSetOf compares a permission set's grants (those of grants with
// its ARN) with its policies (pol nil: they could not be read, polErr says
// why).
func PermissionSetOf(arn, name string, grants []Grant, pol *access.PermissionSetPolicies, polErr error) PermissionSet {
	out := PermissionSet{PermissionSetARN: arn, PermissionSetName: name, Used: []Service{}, UnusedPatterns: []string{}, Caveats: []string{},
		Allowed: Allowed{Inline: []string{}, Managed: []string{}, CustomerManaged: []string{}, NotExpanded: []string{}}}
	used := map[string]int{}
	for _, g := range grants {
		if g.PermissionSetARN != arn {
			continue
		}
		out.Grants++
		if g.State == Used {
			out.UsedGrants++
		}
		for _, s := range g.Services {
			for _, a := range s.Actions {
				used[a]++
			}
		}
	}
	out.Used = groupActions(used)
	switch {
	case polErr != nil:
		out.Error = polErr.Error()
	case pol != nil:
		inline, notes, err := InlineAllows(pol.Inline)
		if err != nil {
			out.Error = err.Error()
		}
		out.Allowed.Inline = append(out.Allowed.Inline, inline...)
		out.Allowed.NotExpanded = append(out.Allowed.NotExpanded, notes...)
		for _, m := range pol.Managed {
			out.Allowed.Managed = append(out.Allowed.Managed, m.Name)
			out.Allowed.NotExpanded = append(out.Allowed.NotExpanded,
				fmt.Sprintf("AWS managed policy %s: not expanded (sso-admin does not return its document)", m.Name))
		}
		for _, c := range pol.CustomerManaged {
			path := c.Path
			if path == "" {
				path = "/"
			}
			out.Allowed.CustomerManaged = append(out.Allowed.CustomerManaged, path+c.Name)
			out.Allowed.NotExpanded = append(out.Allowed.NotExpanded,
				fmt.Sprintf("customer managed policy %s%s: not expanded (its document is in IAM in each account)", path, c.Name))
		}
	}
	for _, p := range out.Allowed.Inline {
		hit := false
		for a := range used {
			if MatchAction(p, a) {
				hit = true
				break
			}
		}
		if !hit {
			out.UnusedPatterns = append(out.UnusedPatterns, p)
		}
	}
	if len(used) == 0 {
		if out.Grants > 0 {
			out.Caveats = append(out.Caveats, "no grant of this permission set made a call its policies govern in the window: no suggestion; consider whether it is needed at all")
		}
		return out
	}
	out.Suggestion = Suggest(out.Used)
	out.Caveats = append(out.Caveats,
		"Resource is \"*\": session activity names the calls, not always the resources; narrow each statement's resources by hand",
		"only calls CloudTrail recorded count: data events (s3:GetObject, dynamodb:GetItem, ...) appear only when the trail logs them",
		fmt.Sprintf("built from %d used grant(s) of %d in the window: work done less often than that (quarterly tasks, incidents) is missing", out.UsedGrants, out.Grants),
		"some calls need further actions CloudTrail does not record separately (kms:Decrypt behind an encrypted read, iam:PassRole): test the narrower set before replacing")
	if len(out.Allowed.NotExpanded) > 0 {
		out.Caveats = append(out.Caveats, "what the permission set allows is only partly known: "+strings.Join(out.Allowed.NotExpanded, "; "))
	}
	return out
}

// Suggest returns a policy document allowing the used actions, one Allow
// statement per service, on every resource.
func Suggest(used []Service) string {
	type stmt struct {
		Sid      string   `json:"Sid"`
		Effect   string   `json:"Effect"`
		Action   []string `json:"Action"`
		Resource string   `json:"Resource"`
	}
	doc := struct {
		Version   string `json:"Version"`
		Statement []stmt `json:"Statement"`
	}{Version: "2012-10-17"}
	services := append([]Service(nil), used...)
	sort.Slice(services, func(i, j int) bool { return services[i].Service < services[j].Service })
	for _, s := range services {
		doc.Statement = append(doc.Statement, stmt{Sid: "Used" + sidPart(s.Service), Effect: "Allow", Action: s.Actions, Resource: "*"})
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil { // plain strings: never
		return ""
	}
	return string(b)
}

// sidPart turns a service prefix into a Sid's letters and digits
// ("sso-oauth" -> "SsoOauth").
func sidPart(s string) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9':
			if up && r >= 'a' && r <= 'z' {
				r -= 'a' - 'A'
			}
			b.WriteRune(r)
			up = false
		default:
			up = true
		}
	}
	return b.String()
}
