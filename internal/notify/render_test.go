package notify_test

import (
	"strings"
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

// Email says times in the configured zone, Slack as date tokens, the
// webhook in UTC.
func TestRenderZonePerChannel(t *testing.T) {
	t.Parallel()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	c := notify.Config{EmailZone: berlin}.WithDefaults()
	for _, tc := range []struct{ channel, want string }{
		{notify.ChannelEmail, "until Tue 8 Dec 2026 11:30:30 CET"},
		{notify.ChannelSlack, "until <!date^1796725830^{date_short_pretty} at {time_secs}|Tue 8 Dec 2026 10:30:30 UTC>"},
		{notify.ChannelWebhook, "until Tue 8 Dec 2026 10:30:30 UTC"},
	} {
		n := access.Notification{ID: "n", Channel: tc.channel}
		m := c.RenderNamed(n, saytest.Activation(), saytest.Request(), access.User{}, saytest.Accounts())
		if !strings.HasSuffix(m.Subject, tc.want) {
			t.Errorf("%s: subject %q, want it to end %q", tc.channel, m.Subject, tc.want)
		}
	}
}

// Email says times in the recipient's own zone when they chose one, else
// in the configured email zone, else UTC; other channels ignore it.
func TestRenderRecipientZone(t *testing.T) {
	t.Parallel()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		emailZone *time.Location
		zone      *time.Location
		channel   string
		want      string
	}{
		{"the recipient's zone", berlin, tokyo, notify.ChannelEmail, "until Tue 8 Dec 2026 19:30:30 JST"},
		{"the email zone without one", berlin, nil, notify.ChannelEmail, "until Tue 8 Dec 2026 11:30:30 CET"},
		{"UTC without either", nil, nil, notify.ChannelEmail, "until Tue 8 Dec 2026 10:30:30 UTC"},
		{"the recipient's zone, no email zone", nil, tokyo, notify.ChannelEmail, "until Tue 8 Dec 2026 19:30:30 JST"},
		{"the webhook stays UTC", berlin, tokyo, notify.ChannelWebhook, "until Tue 8 Dec 2026 10:30:30 UTC"},
	} {
		c := notify.Config{EmailZone: tc.emailZone}.WithDefaults()
		m := c.RenderIn(access.Notification{ID: "n", Channel: tc.channel}, saytest.Activation(), saytest.Request(), access.User{}, saytest.Accounts(), tc.zone)
		if !strings.HasSuffix(m.Subject, tc.want) {
			t.Errorf("%s: subject %q, want it to end %q", tc.name, m.Subject, tc.want)
		}
	}
}
