package app_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"golang.org/x/text/language"

	"github.com/elevate/elevate/internal/auth"
	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/config"
)

// opUsers is the OP's user store: who can sign in at the IdP, which is not
// the same as who is in elevate's directory.
type opUsers map[string]*storage.User

func (u opUsers) GetUserByID(id string) *storage.User { return u[id] }
func (u opUsers) GetUserByUsername(name string) *storage.User {
	for _, x := range u {
		if x.Username == name {
			return x
		}
	}
	return nil
}
func (u opUsers) ExampleClientID() string { return storage.ServiceUserID }

const opPassword = "correct horse battery staple"

// oidcProvider runs zitadel/oidc's OpenID Provider (its example in-memory
// storage and login page) on a loopback port, with the client elevate is
// registered as. Its users:
//   - alice: IdP user name "alice.anders", verified email alice@example.com
//     (in the directory by email only);
//   - carol: user name "carol", an unverified personal email (in the
//     directory by user name only);
//   - mallory: user name and email unknown to the directory.
func oidcProvider(t *testing.T, redirectURI string) (issuer string) {
	t.Helper()
	users := opUsers{
		"u1": {ID: "u1", Username: "alice.anders", Password: opPassword, Email: "alice@example.com", EmailVerified: true, PreferredLanguage: language.English},
		"u2": {ID: "u2", Username: "carol", Password: opPassword, Email: "carol@personal.example.net", EmailVerified: false, PreferredLanguage: language.English},
		"u3": {ID: "u3", Username: "mallory", Password: opPassword, Email: "mallory@example.net", EmailVerified: true, PreferredLanguage: language.English},
	}
	clients := map[string]*storage.Client{"elevate": storage.WebClient("elevate", "elevate-secret", redirectURI)}
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	// The OP is "localhost", elevate "127.0.0.1": two sites, as in real life,
	// so neither sees the other's cookies.
	issuer = strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	h = exampleop.SetupServer(issuer, storage.NewStorageWithClients(users, clients), nil, false)
	return issuer
}

var opAuthRequestID = regexp.MustCompile(`name="id" value="([^"]+)"`)

// oidcSignIn signs in through elevate's /auth/oidc/login and the OP's login
// form as IdP user name, optionally changing the authorization URL first;
// it returns every hop from the form post on (the last is elevate's answer
// after following its redirect).
func oidcSignIn(t *testing.T, c *http.Client, base, name string, edit func(*url.URL)) []hop {
	t.Helper()
	start := get(t, c, base+"/auth/oidc/login?next=/profile")
	if edit != nil {
		authz, err := url.Parse(start[0].Resp.Header.Get("Location"))
		if err != nil || start[0].Resp.StatusCode != http.StatusFound {
			t.Fatalf("/auth/oidc/login: %s to %q", start[0].Resp.Status, start[0].Resp.Header.Get("Location"))
		}
		edit(authz)
		start = get(t, c, authz.String())
	}
	page := last(start)
	m := opAuthRequestID.FindStringSubmatch(page.Body)
	if m == nil {
		t.Fatalf("no OP login form at %s (%s): %.500s", page.URL, page.Resp.Status, page.Body)
	}
	return postForm(t, c, page.URL.ResolveReference(&url.URL{Path: "/login/username"}).String(),
		url.Values{"id": {m[1]}, "username": {name}, "password": {opPassword}})
}

// TestOIDCSignIn signs in through a real OpenID Provider (zitadel/oidc's
// OP) with the authorization code flow and PKCE, over HTTP, through
// elevate's own routes.
func TestOIDCSignIn(t *testing.T) {
	ln, base := listenLoopback(t)
	issuer := oidcProvider(t, base+"/auth/oidc/callback")
	env := startPortalOn(t, awsemu.DemoSeed(), func(c *config.Config) {
		c.PublicURL = base
		c.Auth.OIDC = config.OIDC{Issuer: issuer, ClientID: "elevate", ClientSecret: "elevate-secret"}
	}, ln)
	if env.app.URL() != base {
		t.Fatalf("app on %s, want %s", env.app.URL(), base)
	}

	t.Run("signin page offers OIDC", func(t *testing.T) {
		h := last(get(t, browserClient(t), base+"/signin"))
		if !strings.Contains(h.Body, `href="/auth/oidc/login`) {
			t.Fatalf("sign-in page has no OIDC link: %.500s", h.Body)
		}
	})

	t.Run("mapped by verified email, session cookie, logout", func(t *testing.T) {
		c := browserClient(t)
		hops := oidcSignIn(t, c, base, "alice.anders", nil)
		var cb *hop
		for i := range hops {
			if hops[i].URL.Path == "/auth/oidc/callback" {
				cb = &hops[i]
			}
		}
		if cb == nil || cb.Resp.StatusCode != http.StatusSeeOther || cb.Resp.Header.Get("Location") != "/profile" {
			t.Fatalf("callback: %+v; last %s %s: %.300s", cb, last(hops).URL, last(hops).Resp.Status, last(hops).Body)
		}
		// PKCE and state travelled: the authorization request carried an S256 challenge.
		ck := setCookie(hops, auth.LoopbackCookieName)
		if ck == nil {
			t.Fatal("no session cookie set by the callback")
		}
		if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Secure {
			t.Fatalf("session cookie flags: HttpOnly=%v SameSite=%v Path=%q Secure=%v; want HttpOnly, Lax, /, not Secure on loopback",
				ck.HttpOnly, ck.SameSite, ck.Path, ck.Secure)
		}
		if f := setCookie(hops, "elevate_oidc_flow"); f == nil || f.MaxAge >= 0 {
			t.Fatalf("the flow cookie was not cleared by the callback: %+v", f)
		}
		if who := whoami(t, c, base); who != "alice" {
			t.Fatalf("signed in as %q, want the directory user alice", who)
		}

		// Signing in again renews the session: a new secret, the old one dead.
		hops = oidcSignIn(t, c, base, "alice.anders", nil)
		ck2 := setCookie(hops, auth.LoopbackCookieName)
		if ck2 == nil || ck2.Value == ck.Value {
			t.Fatal("a second sign-in did not renew the session cookie")
		}
		if who := whoamiWith(t, base, ck); who != "" {
			t.Fatalf("the session before the renewal still works (as %q)", who)
		}

		// Logout ends the session on the server: replaying the cookie fails.
		out := postForm(t, c, base+"/signout", nil)
		if out[0].Resp.StatusCode != http.StatusSeeOther || !strings.Contains(last(out).Body, "You are signed out") {
			t.Fatalf("sign out: %s, then %.300s", out[0].Resp.Status, last(out).Body)
		}
		if who := whoami(t, c, base); who != "" {
			t.Fatalf("still signed in as %q after sign-out", who)
		}
		if who := whoamiWith(t, base, ck2); who != "" {
			t.Fatalf("the signed-out session cookie still works (as %q)", who)
		}
	})

	t.Run("mapped by user name when the email is unverified", func(t *testing.T) {
		c := browserClient(t)
		h := last(oidcSignIn(t, c, base, "carol", nil))
		if who := whoami(t, c, base); who != "carol" {
			t.Fatalf("signed in as %q, want carol (by preferred_username); sign-in ended with %s %s", who, h.Resp.Status, h.Body[strings.Index(h.Body, "<main"):])
		}
	})

	t.Run("unknown user refused", func(t *testing.T) {
		c := browserClient(t)
		h := last(oidcSignIn(t, c, base, "mallory", nil))
		if h.Resp.StatusCode != http.StatusUnauthorized || !strings.Contains(h.Body, "is not a user of the synced directory") {
			t.Fatalf("mallory: %s %.800s", h.Resp.Status, h.Body)
		}
		if who := whoami(t, c, base); who != "" {
			t.Fatalf("mallory got a session as %q", who)
		}
	})

	t.Run("bad state refused", func(t *testing.T) {
		c := browserClient(t)
		get(t, c, base+"/auth/oidc/login") // the flow cookie is set
		h := last(get(t, c, base+"/auth/oidc/callback?code=anything&state=forged"))
		if h.Resp.StatusCode != http.StatusUnauthorized || !strings.Contains(h.Body, "sign-in state does not match") {
			t.Fatalf("forged state: %s %.800s", h.Resp.Status, h.Body)
		}
		// A callback with no flow at all (another browser) is refused too.
		h = last(get(t, browserClient(t), base+"/auth/oidc/callback?code=anything&state=forged"))
		if h.Resp.StatusCode != http.StatusUnauthorized || !strings.Contains(h.Body, "sign-in state does not match") {
			t.Fatalf("callback without a flow: %s %.800s", h.Resp.Status, h.Body)
		}
	})

	t.Run("bad nonce refused", func(t *testing.T) {
		c := browserClient(t)
		h := last(oidcSignIn(t, c, base, "alice.anders", func(u *url.URL) {
			q := u.Query()
			if q.Get("nonce") == "" || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
				t.Fatalf("authorization request lacks a nonce or a PKCE S256 challenge: %s", u)
			}
			q.Set("nonce", "replayed-nonce")
			u.RawQuery = q.Encode()
		}))
		if h.Resp.StatusCode != http.StatusUnauthorized || !strings.Contains(h.Body, "nonce does not match") {
			t.Fatalf("wrong nonce: %s %.800s", h.Resp.Status, h.Body)
		}
		if who := whoami(t, c, base); who != "" {
			t.Fatalf("a wrong nonce gave a session as %q", who)
		}
	})

	t.Run("wrong PKCE verifier refused", func(t *testing.T) {
		c := browserClient(t)
		h := last(oidcSignIn(t, c, base, "alice.anders", func(u *url.URL) {
			q := u.Query()
			q.Set("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM") // RFC 7636's example, not ours
			u.RawQuery = q.Encode()
		}))
		if h.Resp.StatusCode != http.StatusUnauthorized || !strings.Contains(h.Body, "did not accept the sign-in code") {
			t.Fatalf("wrong PKCE challenge: %s %.800s", h.Resp.Status, h.Body)
		}
	})
}

// whoamiWith is whoami for a fresh client that presents only cookie ck.
func whoamiWith(t *testing.T, base string, ck *http.Cookie) string {
	t.Helper()
	c := browserClient(t)
	u, _ := url.Parse(base)
	c.Jar.SetCookies(u, []*http.Cookie{{Name: ck.Name, Value: ck.Value, Path: "/"}})
	return whoami(t, c, base)
}
