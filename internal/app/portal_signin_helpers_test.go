package app_test

import (
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
)

// browserClient is a cookie-jar HTTP client that does not follow redirects,
// so that a test sees every hop of a sign-in (and every Set-Cookie).
func browserClient(tb testing.TB) *http.Client {
	tb.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		tb.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// hop is one response of a followed redirect chain, body read.
type hop struct {
	URL  *url.URL
	Resp *http.Response
	Body string
}

// walk sends req and follows redirects like a browser (GET after 301/302/
// 303), returning every hop; the last is the first non-redirect.
func walk(tb testing.TB, c *http.Client, req *http.Request) []hop {
	tb.Helper()
	var hops []hop
	for range 20 {
		resp, err := c.Do(req)
		if err != nil {
			tb.Fatalf("%s %s: %v", req.Method, req.URL, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		hops = append(hops, hop{URL: req.URL, Resp: resp, Body: string(b)})
		loc := resp.Header.Get("Location")
		if resp.StatusCode < 300 || resp.StatusCode > 399 || loc == "" {
			return hops
		}
		next, err := req.URL.Parse(loc)
		if err != nil {
			tb.Fatalf("redirect to %q: %v", loc, err)
		}
		if req, err = http.NewRequest(http.MethodGet, next.String(), nil); err != nil {
			tb.Fatal(err)
		}
	}
	tb.Fatalf("more than 20 redirects from %s", hops[0].URL)
	return nil
}

func get(tb testing.TB, c *http.Client, u string) []hop {
	tb.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return walk(tb, c, req)
}

func postForm(tb testing.TB, c *http.Client, u string, form url.Values) []hop {
	tb.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return walk(tb, c, req)
}

func last(h []hop) hop { return h[len(h)-1] }

// setCookie returns the cookie named name that any hop set, the last one.
func setCookie(hops []hop, name string) *http.Cookie {
	var found *http.Cookie
	for _, h := range hops {
		for _, c := range h.Resp.Cookies() {
			if c.Name == name {
				found = c
			}
		}
	}
	return found
}

// listenLoopback reserves the app's port before it starts, so that the
// IdP can be told elevate's URLs; it returns the listener and its URL.
func listenLoopback(tb testing.TB) (net.Listener, string) {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	return ln, "http://" + ln.Addr().String()
}

// whoami returns the user name the portal shows as signed in at /profile,
// or "" when the client is sent to the sign-in page.
func whoami(tb testing.TB, c *http.Client, base string) string {
	tb.Helper()
	h := last(get(tb, c, base+"/profile"))
	if h.URL.Path == "/signin" {
		return ""
	}
	const mark = `data-testid="whoami">`
	i := strings.Index(h.Body, mark)
	if i < 0 {
		tb.Fatalf("/profile (%s) shows nobody signed in: %.300s", h.Resp.Status, h.Body)
	}
	rest := h.Body[i+len(mark):]
	return rest[:strings.Index(rest, "<")]
}
