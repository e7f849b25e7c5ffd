package policy

import (
	"reflect"
	"testing"
)

// TestEligiblesMatchesListEligible: walking the pairs yields exactly the
// list, in its order, and stops when asked to.
func TestEligiblesMatchesListEligible(t *testing.T) {
	t.Parallel()
	e, users := benchPolicy(t)
	for _, u := range users[:20] {
		want := e.ListEligible(u)
		var got []Eligible
		for el := range e.Eligibles(u) {
			got = append(got, el)
		}
		if len(got) != len(want) || (len(want) > 0 && !reflect.DeepEqual(got, want)) {
			t.Fatalf("user %s: Eligibles gave %d pairs, ListEligible %d (or they differ)", u, len(got), len(want))
		}
		if len(want) > 3 {
			n := 0
			for range e.Eligibles(u) {
				n++
				if n == 3 {
					break
				}
			}
			if n != 3 {
				t.Fatalf("stopping after 3 pairs: walked %d", n)
			}
		}
	}
}
