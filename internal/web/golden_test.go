package web

import (
	"context"
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/auth"
	"github.com/elevate/elevate/internal/say/saytest"
	"github.com/elevate/elevate/internal/workflow"
)

// goldenService serves the golden fixture; any other call panics (nil
// embedded interface), so the test notices.
type goldenService struct{ Service }

func (goldenService) GetRequest(context.Context, access.Actor, string) (*access.Request, error) {
	r := saytest.Request()
	return &r, nil
}

func (goldenService) ListRequests(context.Context, access.Actor, workflow.ListInput) ([]*access.Request, error) {
	r := saytest.Request()
	return []*access.Request{&r}, nil
}

func (goldenService) PageRequests(context.Context, access.Actor, workflow.ListInput) (workflow.RequestPage, error) {
	r := saytest.Request()
	return workflow.RequestPage{Items: []*access.Request{&r}}, nil
}

func (goldenService) RequestEvents(context.Context, access.Actor, string) ([]access.Event, error) {
	return saytest.Events(), nil
}

func (goldenService) AccountNames(context.Context, []string) (map[string]string, error) {
	return saytest.Accounts(), nil
}

func (goldenService) UserNames(context.Context, []string) (map[string]string, error) {
	return map[string]string{saytest.Bob.ID: saytest.Bob.UserName}, nil
}

var (
	tagRE  = regexp.MustCompile(`(?s)<[^>]*>`)
	linkRE = regexp.MustCompile(`<a [^>]*href="([^"]*)"[^>]*>`)
	mainRE = regexp.MustCompile(`(?s)<main id="main">(.*)</main>`)
)

// pageText is the text of a page's main part, one line per line that has
// any, links shown as [href].
func pageText(t *testing.T, page string) string {
	t.Helper()
	m := mainRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no <main> in the page:\n%s", page)
	}
	s := linkRE.ReplaceAllString(m[1], "[$1] ")
	s = strings.NewReplacer("</dd>", "\n", "</li>", "\n", "</tr>", "\n", "</td>", " | ", "</th>", " | ", "<br>", "\n").Replace(s)
	s = html.UnescapeString(tagRE.ReplaceAllString(s, " "))
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

// TestGoldenPortal: the golden request's page and the active page for its
// requester reading in Berlin: names, human durations, times in the
// reader's zone with "ends in 42 min", the console link and the profile.
func TestGoldenPortal(t *testing.T) {
	t.Parallel()
	p, err := New(Options{Service: goldenService{}, Sessions: auth.NewSessions(nil, access.SessionTimeouts{}, nil),
		Now: func() time.Time { return saytest.Now }, AccessPortalURL: saytest.PortalURL, SSORegion: saytest.SSORegion})
	if err != nil {
		t.Fatal(err)
	}
	berlin, err := time.LoadLocation(saytest.ReaderZone)
	if err != nil {
		t.Fatal(err)
	}
	alice := access.Actor{UserID: saytest.Alice.ID, UserName: saytest.Alice.UserName, Via: access.ViaPortal}
	for _, c := range []struct {
		name string
		path string
		h    handler
	}{
		{"portal-request", "/requests/" + saytest.RequestID, p.requestDetail},
		{"portal-active", "/active", p.active},
	} {
		rec := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodGet, c.path, nil)
		r.SetPathValue("id", saytest.RequestID)
		if err := c.h(&zoneWriter{ResponseWriter: rec, loc: berlin}, r, alice); err != nil {
			t.Fatal(err)
		}
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", c.path, rec.Code, rec.Body)
		}
		saytest.Golden(t, c.name, []byte(pageText(t, rec.Body.String())))
	}
}
