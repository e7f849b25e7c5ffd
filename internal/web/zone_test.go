package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// The reader's zone: their choice, else their browser's, else UTC; a
// cookie naming an unknown zone is ignored.
func TestReaderZone(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name           string
		chosen, browsr string
		want           string
		wantChosen     bool
	}{
		{"nothing", "", "", "UTC", false},
		{"browser", "", "Asia%2FTokyo", "Asia/Tokyo", false},
		{"browser unescaped", "", "Asia/Tokyo", "Asia/Tokyo", false},
		{"chosen wins", "Europe/Berlin", "Asia%2FTokyo", "Europe/Berlin", true},
		{"unknown chosen", "Mars/Olympus", "Asia%2FTokyo", "Asia/Tokyo", false},
		{"unknown both", "Mars/Olympus", "nowhere", "UTC", false},
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		if tc.chosen != "" {
			r.AddCookie(&http.Cookie{Name: cookieZone, Value: tc.chosen})
		}
		if tc.browsr != "" {
			r.AddCookie(&http.Cookie{Name: cookieBrowserZone, Value: tc.browsr})
		}
		loc, chosen := readerZone(r)
		if loc.String() != tc.want || chosen != tc.wantChosen {
			t.Errorf("%s: zone %s (chosen %v), want %s (%v)", tc.name, loc, chosen, tc.want, tc.wantChosen)
		}
	}
}
