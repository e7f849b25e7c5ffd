package config

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/elevate/elevate/internal/policy"
)

// TestConfigAndPolicyDocumentAgree feeds the same policies to `config check`
// (as the policy: section of the configuration file) and to the policy
// document's validator (what `policy plan` and `policy apply` run before
// they resolve names): both accept exactly the same ones.
func TestConfigAndPolicyDocumentAgree(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		settings string // keys under settings: (document) or policy: (configuration)
		rules    string // the list under rules:
		approver string // the list under approver_rules:
		ok       bool
	}{
		{"OU-only rule", "", "- {name: r, groups: [dev], ous: [Workloads], permission_sets: [ReadOnly]}", "", true},
		{"whole organization", "", `- {name: r, groups: [dev], accounts: ["*"], permission_sets: ["*"]}`, "", true},
		{"approver rules", "", "- {name: r, groups: [dev], ous: [Prod], permission_sets: [Admin], approvals: 1}",
			"- {name: prod, ous: [Prod], groups: [prod-approvers]}", true},
		{"settings", "ticket_required: true\nmax_duration: 4h\nnotification_channels: [slack]", "", "", true},
		{"rule without a name", "", "- {groups: [dev], accounts: [a], permission_sets: [P]}", "", false},
		{"two rules named alike", "", "- {name: r, groups: [dev], accounts: [a], permission_sets: [P]}\n- {name: R, groups: [ops], accounts: [a], permission_sets: [P]}", "", false},
		{"rule without requesters", "", "- {name: r, accounts: [a], permission_sets: [P]}", "", false},
		{"rule without scope", "", "- {name: r, groups: [dev], permission_sets: [P]}", "", false},
		{"rule without permission sets", "", "- {name: r, groups: [dev], accounts: [a]}", "", false},
		{"negative approvals", "", "- {name: r, groups: [dev], accounts: [a], permission_sets: [P], approvals: -1}", "", false},
		{"break-glass rule with approvals", "", "- {name: r, groups: [dev], accounts: [a], permission_sets: [P], break_glass: true, approvals: 1}", "", false},
		{"approver rule without approvers", "", "", "- {name: prod, ous: [Prod]}", false},
		{"approver rule without scope", "", "", "- {name: prod, groups: [g]}", false},
		{"minimum above maximum", "min_duration: 2h\nmax_duration: 1h", "", "", false},
		{"unknown key in a rule", "", "- {name: r, groups: [dev], accounts: [a], permission_sets: [P], aprovals: 1}", "", false},
		{"unknown key in an approver rule", "", "", "- {name: prod, ous: [Prod], groups: [g], nested: true}", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			docOK, docWhy := documentAccepts(tc.settings, tc.rules, tc.approver)
			cfgOK, cfgWhy := configAccepts(t, tc.settings, tc.rules, tc.approver)
			if docOK != tc.ok || cfgOK != tc.ok {
				t.Fatalf("policy document accepts: %v (%s); config check accepts: %v (%s); want both %v", docOK, docWhy, cfgOK, cfgWhy, tc.ok)
			}
		})
	}
}

func indent(list, by string) string {
	if list == "" {
		return ""
	}
	return by + strings.ReplaceAll(list, "\n", "\n"+by) + "\n"
}

func documentAccepts(settings, rules, approver string) (bool, string) {
	var b strings.Builder
	if settings != "" {
		b.WriteString("settings:\n" + indent(settings, "  "))
	}
	if rules != "" {
		b.WriteString("rules:\n" + indent(rules, "  "))
	}
	if approver != "" {
		b.WriteString("approver_rules:\n" + indent(approver, "  "))
	}
	src, err := policy.Parse([]byte(b.String()))
	if err != nil {
		return false, err.Error()
	}
	if ps := policy.Check(src.Doc); len(ps) > 0 {
		return false, ps[0].String()
	}
	return true, ""
}

func configAccepts(t *testing.T, settings, rules, approver string) (bool, string) {
	var b strings.Builder
	b.WriteString("policy:\n" + indent(settings, "  "))
	if rules != "" {
		b.WriteString("  rules:\n" + indent(rules, "    "))
	}
	if approver != "" {
		b.WriteString("  approver_rules:\n" + indent(approver, "    "))
	}
	file := filepath.Join(t.TempDir(), "elevate.yaml")
	writeFile(t, file, b.String())
	if _, problems := Resolve(Sources{File: file}); len(problems) > 0 {
		return false, strings.Join(problems, "; ")
	}
	return true, ""
}
