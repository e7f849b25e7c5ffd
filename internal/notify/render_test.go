package notify_test

import (
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/notify"
	"github.com/elevate/elevate/internal/say/saytest"
)

// The details say when access starts or ends, in the reader's zone.
func TestDetailsWhen(t *testing.T) {
	t.Parallel()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	v := notify.Voice{Accounts: saytest.Accounts(), Loc: berlin}
	later := saytest.Pending()
	later.StartAt = saytest.Created.Add(3 * time.Hour)
	scheduled := later
	scheduled.Status = access.StatusScheduled
	for _, tc := range []struct {
		name      string
		r         access.Request
		key, want string
	}{
		{"pending, now", saytest.Pending(), "Starts", "as soon as approved"},
		{"pending, later", later, "Starts", "Tue 8 Dec 2026 12:58 CET"},
		{"scheduled", scheduled, "Starts", "Tue 8 Dec 2026 12:58 CET"},
		{"active", saytest.Request(), "Ends", "Tue 8 Dec 2026 11:30:30 CET"},
		{"active", saytest.Request(), "Accounts", "prod (4444 5555 6666)"},
		{"active", saytest.Request(), "Duration", "1h 30m"},
	} {
		got := ""
		for _, row := range v.Details(tc.r) {
			if row[0] == tc.key {
				got = row[1]
			}
		}
		if got != tc.want {
			t.Errorf("%s: %s = %q, want %q", tc.name, tc.key, got, tc.want)
		}
	}
}
