package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/elevate/elevate/internal/access"
)

// zoneService answers the stored setting; any other call panics.
type zoneService struct {
	Service
	stored string
}

func (z zoneService) TimeZone(context.Context, access.Actor) (string, error) { return z.stored, nil }

// The reader's zone: their saved setting, else an older portal's cookie,
// else their browser's, else UTC; a name that is no zone is ignored.
func TestReaderZone(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name                   string
		stored, chosen, browsr string
		want                   string
		wantChosen             bool
	}{
		{"nothing", "", "", "", "UTC", false},
		{"browser", "", "", "Asia%2FTokyo", "Asia/Tokyo", false},
		{"browser unescaped", "", "", "Asia/Tokyo", "Asia/Tokyo", false},
		{"setting wins", "America/New_York", "Europe/Berlin", "Asia%2FTokyo", "America/New_York", true},
		{"old cookie without a setting", "", "Europe/Berlin", "Asia%2FTokyo", "Europe/Berlin", true},
		{"unknown chosen", "", "Mars/Olympus", "Asia%2FTokyo", "Asia/Tokyo", false},
		{"unknown setting", "Mars/Olympus", "", "Asia%2FTokyo", "Asia/Tokyo", false},
		{"unknown both", "", "Mars/Olympus", "nowhere", "UTC", false},
	} {
		p := &Portal{o: Options{Service: zoneService{stored: tc.stored}}, log: slog.New(slog.DiscardHandler)}
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		if tc.chosen != "" {
			r.AddCookie(&http.Cookie{Name: cookieZone, Value: tc.chosen})
		}
		if tc.browsr != "" {
			r.AddCookie(&http.Cookie{Name: cookieBrowserZone, Value: tc.browsr})
		}
		loc, chosen := p.readerZone(r, access.Actor{UserID: "u1"})
		if loc.String() != tc.want || chosen != tc.wantChosen {
			t.Errorf("%s: zone %s (chosen %v), want %s (%v)", tc.name, loc, chosen, tc.want, tc.wantChosen)
		}
	}
}
