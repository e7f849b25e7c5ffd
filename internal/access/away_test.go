package access

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestRoute(t *testing.T) {
	t.Parallel()
	until := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	away := map[string]Away{
		"bob":  {UserID: "bob", DelegateID: "dave", Until: until},
		"carl": {UserID: "carl", DelegateID: "req", Until: until},
		"erin": {UserID: "erin", DelegateID: "gina", Until: until},
	}
	for _, tc := range []struct {
		name      string
		approvers []string
		want      []string
		standIn   map[string]string
	}{
		{"nobody away", []string{"ann", "gus"}, []string{"ann", "gus"}, map[string]string{}},
		{"routed to the delegate", []string{"ann", "bob"}, []string{"ann", "dave"}, map[string]string{"dave": "bob"}},
		{"the requester is never the delegate", []string{"ann", "carl"}, []string{"ann"}, map[string]string{}},
		{"the requester as delegate of the only approver", []string{"carl"}, []string{"carl"}, map[string]string{}},
		{"the requester as delegate when two must approve", []string{"ann", "carl"}, []string{"ann", "carl"}, map[string]string{}},
		{"the delegate is an approver already", []string{"gina", "erin"}, []string{"gina"}, map[string]string{}},
	} {
		need := 1
		if strings.Contains(tc.name, "two must") {
			need = 2
		}
		got, standIn := Route(tc.approvers, "req", away, need)
		if !slices.Equal(got, tc.want) || len(standIn) != len(tc.standIn) {
			t.Errorf("%s: Route = %v %v, want %v %v", tc.name, got, standIn, tc.want, tc.standIn)
		}
		for k, v := range tc.standIn {
			if standIn[k] != v {
				t.Errorf("%s: stand-in of %s = %q, want %q", tc.name, k, standIn[k], v)
			}
		}
	}
	if (Away{UserID: "bob", Until: until}).Active(until) || !(Away{UserID: "bob", Until: until}).Active(until.Add(-time.Second)) {
		t.Error("an absence lasts until its end, exclusive")
	}
}
