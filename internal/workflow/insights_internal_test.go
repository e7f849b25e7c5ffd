package workflow

import (
	"slices"
	"testing"

	"github.com/elevate/elevate/internal/access"
)

func TestRequestersFirst(t *testing.T) {
	t.Parallel()
	users := []access.User{{ID: "a"}, {ID: "b"}, {ID: "c"}, {ID: "d"}}
	for _, tc := range []struct {
		name      string
		requested []access.RequestedPair
		want      []string
	}{
		{"nobody asked: the directory's order", nil, []string{"a", "b", "c", "d"}},
		{"those who asked first, each group in order", []access.RequestedPair{{RequesterID: "d"}, {RequesterID: "b"}, {RequesterID: "d"}},
			[]string{"b", "d", "a", "c"}},
		{"a requester no longer in the directory adds nobody", []access.RequestedPair{{RequesterID: "gone"}}, []string{"a", "b", "c", "d"}},
	} {
		var got []string
		for _, u := range requestersFirst(users, tc.requested) {
			got = append(got, u.ID)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
