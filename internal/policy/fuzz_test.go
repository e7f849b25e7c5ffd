package policy

import (
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary YAML to the policy document parser.
// Invariants: no panic; a refusal says it is about the policy document; an
// accepted document marshals back to YAML that parses again, and the
// locator answers for any path. Seed corpus: testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Add([]byte("settings:\n  max_duration: 8h\nrules:\n  - name: a\n    users: [alice]\n    accounts: [prod]\n    permission_sets: [AdministratorAccess]\n    approvals: 1\n    approver_groups: [approvers]\n"))
	f.Add([]byte("rules: [{name: x, groups: [dev], accounts: ['*'], permission_sets: ['*'], max_duration: 1h}]\n"))
	f.Add([]byte("unknown_key: 1\n"))
	f.Add([]byte("rules:\n  - name: &a x\n    users: *a\n"))
	f.Add([]byte("{"))
	f.Fuzz(func(t *testing.T, data []byte) {
		src, err := Parse(data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "policy document: ") {
				t.Fatalf("refusal does not say what it is about: %v", err)
			}
			return
		}
		_ = src.Line("rules[0].accounts[0]")
		out, err := Marshal(src.Doc)
		if err != nil {
			t.Fatalf("accepted document does not marshal: %v", err)
		}
		if _, err := Parse(out); err != nil {
			t.Fatalf("marshalled document does not parse again: %v\n%s", err, out)
		}
	})
}
