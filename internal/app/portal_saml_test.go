package app_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/xml"
	"html"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/crewjam/saml"
	"github.com/crewjam/saml/samlidp"

	"github.com/elevate/elevate/internal/auth"
	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/config"
)

// samlIdP runs crewjam/saml's samlidp (in-memory store) on a loopback port
// ("localhost", another site than elevate's 127.0.0.1) and returns its URL.
func samlIdP(t *testing.T) (*samlidp.Server, string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test IdP"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	base := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	u, _ := url.Parse(base)
	idp, err := samlidp.New(samlidp.Options{URL: *u, Key: key, Certificate: cert, Store: &samlidp.MemoryStore{}})
	if err != nil {
		t.Fatal(err)
	}
	h = idp
	return idp, base
}

// idpPut PUTs a JSON or XML body to the IdP's administrative API.
func idpPut(t *testing.T, u, body string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, u, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("PUT %s: %s", u, resp.Status)
	}
}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="(\w+)" value="([^"]*)"`)
var formAction = regexp.MustCompile(`<form method="post" action="([^"]+)"`)

// formOf reads a samlidp page's form: its action and hidden fields.
func formOf(t *testing.T, h hop) (string, url.Values) {
	t.Helper()
	a := formAction.FindStringSubmatch(h.Body)
	if a == nil {
		t.Fatalf("no form at %s (%s): %.600s", h.URL, h.Resp.Status, h.Body)
	}
	v := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(h.Body, -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	return html.UnescapeString(a[1]), v
}

// samlSignIn logs user in at the IdP (its session cookie), then starts at
// elevate's /auth/saml/login: the signed HTTP-Redirect AuthnRequest reaches
// the IdP, which answers with the form the browser would post to elevate's
// ACS; it returns that form's action and fields. (samlidp's own login form
// re-posts the request without its redirect signature, which the IdP then
// refuses for an SP that signs its requests, so the login comes first.)
func samlSignIn(t *testing.T, c *http.Client, base, idpURL, user string) (string, url.Values) {
	t.Helper()
	if h := last(postForm(t, c, idpURL+"/login", url.Values{"user": {user}, "password": {opPassword}})); h.Resp.StatusCode != http.StatusOK {
		t.Fatalf("IdP login as %s: %s %.300s", user, h.Resp.Status, h.Body)
	}
	hops := get(t, c, base+"/auth/saml/login")
	if q := hops[0].Resp.Header.Get("Location"); !strings.Contains(q, "SAMLRequest=") || !strings.Contains(q, "&Signature=") {
		t.Fatalf("elevate's AuthnRequest redirect is not signed: %s", q)
	}
	return formOf(t, last(hops))
}

// TestSAMLSignIn signs in through crewjam/saml's samlidp, SP-initiated,
// over HTTP: elevate's SP metadata is registered at the IdP, the signed
// AuthnRequest goes to the IdP, the signed response is posted to the ACS.
func TestSAMLSignIn(t *testing.T) {
	_, idpURL := samlIdP(t)
	ln, base := listenLoopback(t)
	startPortalOn(t, awsemu.DemoSeed(), func(c *config.Config) {
		c.PublicURL = base
		c.Auth.SAML = config.SAML{IDPMetadataURL: idpURL + "/metadata"}
	}, ln)

	// The SP metadata is valid: it parses, names elevate's ACS and signing
	// certificate, and the IdP accepts it.
	mh := last(get(t, browserClient(t), base+"/auth/saml/metadata"))
	if mh.Resp.StatusCode != http.StatusOK || mh.Resp.Header.Get("Content-Type") != "application/samlmetadata+xml" {
		t.Fatalf("SP metadata: %s %s", mh.Resp.Status, mh.Resp.Header.Get("Content-Type"))
	}
	var md saml.EntityDescriptor
	if err := xml.Unmarshal([]byte(mh.Body), &md); err != nil {
		t.Fatalf("SP metadata does not parse: %v", err)
	}
	if md.EntityID != base+"/auth/saml/metadata" || len(md.SPSSODescriptors) != 1 {
		t.Fatalf("SP metadata: entity %q, %d SP descriptors", md.EntityID, len(md.SPSSODescriptors))
	}
	spd := md.SPSSODescriptors[0]
	acsOK := false
	for _, a := range spd.AssertionConsumerServices {
		acsOK = acsOK || (a.Location == base+"/auth/saml/acs" && a.Binding == saml.HTTPPostBinding)
	}
	if !acsOK || spd.AuthnRequestsSigned == nil || !*spd.AuthnRequestsSigned || len(spd.KeyDescriptors) == 0 {
		t.Fatalf("SP metadata lacks the POST ACS %s/auth/saml/acs, signed requests or a key: %+v", base, spd)
	}
	idpPut(t, idpURL+"/services/elevate", mh.Body)
	idpPut(t, idpURL+"/users/alice", `{"password":"`+opPassword+`","email":"alice@example.com"}`)
	idpPut(t, idpURL+"/users/carol", `{"password":"`+opPassword+`"}`) // no email: mapped by uid
	idpPut(t, idpURL+"/users/mallory", `{"password":"`+opPassword+`","email":"mallory@example.net"}`)

	t.Run("mapped by email, session, logout", func(t *testing.T) {
		c := browserClient(t)
		acs, resp := samlSignIn(t, c, base, idpURL, "alice")
		if acs != base+"/auth/saml/acs" || resp.Get("SAMLResponse") == "" || resp.Get("RelayState") == "" {
			t.Fatalf("IdP answered to %q with %v", acs, resp)
		}
		hops := postForm(t, c, acs, resp)
		if hops[0].Resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("ACS: %s %.800s", hops[0].Resp.Status, hops[0].Body)
		}
		ck := setCookie(hops, auth.LoopbackCookieName)
		if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure {
			t.Fatalf("session cookie after SAML sign-in: %+v", ck)
		}
		if who := whoami(t, c, base); who != "alice" {
			t.Fatalf("signed in as %q, want alice", who)
		}
		postForm(t, c, base+"/signout", nil)
		if who := whoamiWith(t, base, ck); who != "" {
			t.Fatalf("the session still works after sign-out (as %q)", who)
		}
	})

	// A response is good for one sign-in: the same one posted again (from
	// another browser, with its RelayState) before it expires is refused.
	t.Run("replayed response refused", func(t *testing.T) {
		c := browserClient(t)
		acs, resp := samlSignIn(t, c, base, idpURL, "alice")
		if h := postForm(t, c, acs, resp); h[0].Resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("first use: %s %.800s", h[0].Resp.Status, h[0].Body)
		}
		thief := browserClient(t)
		h := last(postForm(t, thief, acs, resp))
		if h.Resp.StatusCode != http.StatusUnauthorized || !strings.Contains(h.Body, "already used") {
			t.Fatalf("replayed response: %s %.800s", h.Resp.Status, h.Body)
		}
		if who := whoami(t, thief, base); who != "" {
			t.Fatalf("the replayed response signed in as %q", who)
		}
	})

	t.Run("mapped by user name", func(t *testing.T) {
		c := browserClient(t)
		acs, resp := samlSignIn(t, c, base, idpURL, "carol")
		postForm(t, c, acs, resp)
		if who := whoami(t, c, base); who != "carol" {
			t.Fatalf("signed in as %q, want carol (by the uid attribute)", who)
		}
	})

	t.Run("unknown user refused", func(t *testing.T) {
		c := browserClient(t)
		acs, resp := samlSignIn(t, c, base, idpURL, "mallory")
		h := last(postForm(t, c, acs, resp))
		if h.Resp.StatusCode != http.StatusUnauthorized || !strings.Contains(h.Body, "is not a user of the synced directory") {
			t.Fatalf("mallory: %s %.800s", h.Resp.Status, h.Body)
		}
		if who := whoami(t, c, base); who != "" {
			t.Fatalf("mallory got a session as %q", who)
		}
	})

	t.Run("unsolicited or tampered responses refused", func(t *testing.T) {
		c := browserClient(t)
		acs, resp := samlSignIn(t, c, base, idpURL, "alice")
		unsolicited := url.Values{"SAMLResponse": {resp.Get("SAMLResponse")}}
		h := last(postForm(t, c, acs, unsolicited))
		if h.Resp.StatusCode != http.StatusUnauthorized || !strings.Contains(h.Body, "was not asked for by elevate") {
			t.Fatalf("response without RelayState: %s %.800s", h.Resp.Status, h.Body)
		}
		forged := url.Values{"SAMLResponse": {resp.Get("SAMLResponse")}, "RelayState": {"id-forged.AAAAAAAAAAAAAAAAAAAAAA"}}
		h = last(postForm(t, c, acs, forged))
		if h.Resp.StatusCode != http.StatusUnauthorized || !strings.Contains(h.Body, "was not asked for by elevate") {
			t.Fatalf("forged RelayState: %s %.800s", h.Resp.Status, h.Body)
		}
		// Change one character inside the (signed, encrypted) response.
		dec, err := base64.StdEncoding.DecodeString(resp.Get("SAMLResponse"))
		i := bytes.Index(dec, []byte("<xenc:CipherValue>"))
		if err != nil || i < 0 {
			t.Fatalf("SAMLResponse: %v %.300s", err, dec)
		}
		tampered := bytes.Clone(dec)
		j := i + len("<xenc:CipherValue>") + 10
		if tampered[j] == 'A' {
			tampered[j] = 'B'
		} else {
			tampered[j] = 'A'
		}
		h = last(postForm(t, c, acs, url.Values{"SAMLResponse": {base64.StdEncoding.EncodeToString(tampered)}, "RelayState": {resp.Get("RelayState")}}))
		if h.Resp.StatusCode != http.StatusUnauthorized || !strings.Contains(h.Body, "SAML response was refused") {
			t.Fatalf("tampered assertion: %s %.800s", h.Resp.Status, h.Body)
		}
		if who := whoami(t, c, base); who != "" {
			t.Fatalf("a refused response gave a session as %q", who)
		}
	})
}
