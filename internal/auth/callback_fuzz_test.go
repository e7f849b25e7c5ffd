package auth

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crewjam/saml/samlidp"
	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"

	"github.com/elevate/elevate/internal/access"
)

// signInProbe is the session backend of the callback fuzz targets: garbage
// must be refused before anyone is signed in, so reaching it is a failure.
type signInProbe struct{ reached atomic.Int64 }

// UseSAMLAssertion counts as reaching sign-in too: only an accepted
// assertion is recorded.
func (p *signInProbe) UseSAMLAssertion(context.Context, string, string, time.Time) error {
	p.reached.Add(1)
	return errors.New("the fuzzed callback reached sign-in")
}

func (p *signInProbe) ActorByLogin(context.Context, string, access.Via) (access.Actor, error) {
	p.reached.Add(1)
	return access.Actor{}, errors.New("the fuzzed callback reached sign-in")
}
func (p *signInProbe) StartSession(context.Context, access.Actor, access.SignInProof, string, access.SessionTimeouts) (string, error) {
	p.reached.Add(1)
	return "", errors.New("the fuzzed callback reached sign-in")
}
func (p *signInProbe) SessionActor(context.Context, string, access.SessionTimeouts) (access.Actor, error) {
	return access.Actor{}, errors.New("no sessions")
}
func (p *signInProbe) EndSession(context.Context, string) error { return nil }

// failures records what a handler's fail function was given.
type failures struct{ errs []error }

func (f *failures) fail(w http.ResponseWriter, _ *http.Request, err error) {
	f.errs = append(f.errs, err)
	w.WriteHeader(http.StatusUnauthorized)
}

// checkRefusal asserts that a fuzzed callback was refused exactly once with
// a user error of one of the codes, signed nobody in and set no session.
func checkRefusal(t *testing.T, input string, probe *signInProbe, f *failures, rec *httptest.ResponseRecorder, codes ...access.Code) {
	t.Helper()
	if probe.reached.Load() != 0 {
		t.Fatalf("input %s reached sign-in", input)
	}
	if len(f.errs) != 1 {
		t.Fatalf("input %s: %d refusals (%v), want exactly 1; status %d", input, len(f.errs), f.errs, rec.Code)
	}
	var ae *access.Error
	if !errors.As(f.errs[0], &ae) {
		t.Fatalf("input %s: refusal is not a user error: %T %v", input, f.errs[0], f.errs[0])
	}
	ok := false
	for _, c := range codes {
		ok = ok || ae.Code == c
	}
	if !ok || ae.Message == "" {
		t.Fatalf("input %s: refusal code %q (%q), want one of %v", input, ae.Code, ae.Message, codes)
	}
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge >= 0 && c.Value != "" && c.Name != oidcFlowCookie {
			t.Fatalf("input %s: a refused callback set cookie %s", input, c.Name)
		}
	}
}

func testKeyPair(t testing.TB, cn string) (*rsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return key, cert
}

// FuzzSAMLCallback posts arbitrary RelayState and SAMLResponse parameters
// to the ACS handler (POST /auth/saml/acs) of a service provider that trusts
// crewjam/saml's samlidp (its real metadata). validRelay replaces the relay
// state with one elevate issued, and encode base64-encodes the response, so
// the fuzzer reaches crewjam's XML parsing and validation. Invariants: no
// panic; every input is refused exactly once, as unauthenticated or invalid,
// before sign-in. Seed corpus: testdata/fuzz/FuzzSAMLCallback.
func FuzzSAMLCallback(f *testing.F) {
	idpKey, idpCert := testKeyPair(f, "fuzz IdP")
	idpSrv := httptest.NewServer(http.NotFoundHandler())
	f.Cleanup(idpSrv.Close)
	idpURL, _ := url.Parse(idpSrv.URL)
	idp, err := samlidp.New(samlidp.Options{URL: *idpURL, Key: idpKey, Certificate: idpCert, Store: &samlidp.MemoryStore{}})
	if err != nil {
		f.Fatal(err)
	}
	idpSrv.Config.Handler = idp
	spKey, spCert := testKeyPair(f, "fuzz SP")
	root, _ := url.Parse("http://127.0.0.1:8080")
	probe := &signInProbe{}
	var fails failures
	sp, err := NewSAML(SAMLConfig{RootURL: root, Key: spKey, Cert: spCert, IDPMetadataURL: idpSrv.URL + "/metadata", Assertions: probe},
		NewSessions(probe, access.SessionTimeouts{}, nil), fails.fail)
	if err != nil {
		f.Fatal(err)
	}
	assertion := `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="r1" Version="2.0" IssueInstant="2026-01-01T00:00:00Z" InResponseTo="id-1"><saml:Issuer>` +
		idpSrv.URL + `/metadata</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
		`<saml:Assertion ID="a1" Version="2.0" IssueInstant="2026-01-01T00:00:00Z"><saml:Subject><saml:NameID>alice@example.com</saml:NameID></saml:Subject></saml:Assertion></samlp:Response>`
	f.Add("", false, "", false)
	f.Add("id-1.forged", false, assertion, true)
	f.Add("", true, assertion, true)
	f.Add("", true, "<samlp:Response", true)
	f.Add("", true, "not base64 at all!", false)
	f.Add("", true, `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"/></samlp:Response>`, true)
	f.Fuzz(func(t *testing.T, relay string, validRelay bool, response string, encode bool) {
		if validRelay {
			relay = sp.relayState("id-1")
		}
		if encode {
			response = base64.StdEncoding.EncodeToString([]byte(response))
		}
		form := url.Values{"RelayState": {relay}, "SAMLResponse": {response}}
		req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:8080/auth/saml/acs", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		fails.errs = nil
		sp.ACS(rec, req)
		input, _ := json.Marshal(form)
		checkRefusal(t, string(input), probe, &fails, rec, access.CodeUnauthenticated, access.CodeInvalid)
	})
}

// FuzzOIDCCallback calls the OIDC callback handler (GET /auth/oidc/callback)
// with arbitrary state, code, error and error_description parameters,
// against zitadel/oidc's example OpenID Provider. matchState sends a flow
// cookie whose state equals the fuzzed one, so the fuzzer reaches the code
// exchange at the real provider; otherwise the fuzzed cookie value is sent
// as is. Invariants: no panic; every input is refused exactly once, as
// unauthenticated, before sign-in. Seed corpus: testdata/fuzz/FuzzOIDCCallback.
func FuzzOIDCCallback(f *testing.F) {
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	f.Cleanup(srv.Close)
	redirect := "http://127.0.0.1:8080/auth/oidc/callback"
	clients := map[string]*storage.Client{"elevate": storage.WebClient("elevate", "fuzz-client-secret", redirect)}
	h = exampleop.SetupServer(srv.URL, storage.NewStorageWithClients(storage.NewUserStore(srv.URL), clients), nil, false)
	probe := &signInProbe{}
	var fails failures
	o := NewOIDC(OIDCConfig{Issuer: srv.URL, ClientID: "elevate", ClientSecret: "fuzz-client-secret", RedirectURL: redirect},
		NewSessions(probe, access.SessionTimeouts{}, nil), fails.fail)
	f.Add("st", "code-1", "", "", true, "")
	f.Add("st", "", "", "", true, "")
	f.Add("st", "code-1", "", "", false, "eyJzIjoic3QifQ")
	f.Add("", "", "access_denied", "the user said no", false, "")
	f.Add("st", "code", "", "", false, "%%%")
	f.Add("\x00", "\xff", "", "", true, "")
	f.Fuzz(func(t *testing.T, state, code, errParam, errDesc string, matchState bool, cookie string) {
		if matchState {
			b, _ := json.Marshal(oidcFlow{State: state, Nonce: "n", Verifier: "v", Next: "/x"})
			cookie = base64.RawURLEncoding.EncodeToString(b)
		}
		q := url.Values{}
		for k, v := range map[string]string{"state": state, "code": code, "error": errParam, "error_description": errDesc} {
			if v != "" {
				q.Set(k, v)
			}
		}
		req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8080/auth/oidc/callback?"+q.Encode(), nil)
		if cookie != "" {
			req.Header.Set("Cookie", oidcFlowCookie+"="+url.QueryEscape(cookie))
		}
		rec := httptest.NewRecorder()
		fails.errs = nil
		o.Callback(rec, req)
		input, _ := json.Marshal(map[string]any{"query": q, "cookie": cookie})
		checkRefusal(t, string(input), probe, &fails, rec, access.CodeUnauthenticated)
	})
}
