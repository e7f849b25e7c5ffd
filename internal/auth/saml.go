package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/crewjam/saml"

	"github.com/elevate/elevate/internal/access"
)

// SAMLConfig configures elevate as a SAML 2.0 service provider, for IAM
// Identity Center's custom SAML 2.0 application (or any SAML IdP).
type SAMLConfig struct {
	// RootURL is elevate's public URL; the SP's entity id is
	// RootURL/auth/saml/metadata and its ACS RootURL/auth/saml/acs.
	RootURL *url.URL
	// EntityID overrides the entity id.
	EntityID string
	Key      *rsa.PrivateKey   // signs AuthnRequests
	Cert     *x509.Certificate // published in the SP metadata
	// IDPMetadataURL is fetched on first use when IDPMetadata is nil.
	IDPMetadataURL string
	IDPMetadata    []byte
	// Attributes are the assertion attributes tried in order to find the
	// directory user (email or user name); the NameID is tried last.
	Attributes []string
	// AllowIDPInitiated accepts responses that the SP did not ask for (a
	// user clicking elevate's tile in the AWS access portal). Default off.
	AllowIDPInitiated bool
	// MFAClasses are the AuthnContextClassRef values that count as a
	// multi-factor sign-in. Default DefaultMFAClasses.
	MFAClasses []string
	HTTPClient *http.Client
	// Assertions remembers the accepted assertions until they expire, in
	// the database, so that no replica accepts one twice (required).
	Assertions AssertionLedger
}

// AssertionLedger records the SAML assertions sign-in accepted;
// *workflow.Service satisfies it.
type AssertionLedger interface {
	// UseSAMLAssertion records the assertion (issuer, id) as used until
	// notOnOrAfter; a user error (unauthenticated) when it was already used.
	UseSAMLAssertion(ctx context.Context, issuer, id string, notOnOrAfter time.Time) error
}

// SAML is the service provider's handlers: login, ACS and metadata.
type SAML struct {
	cfg      SAMLConfig
	sessions *Sessions
	fail     func(w http.ResponseWriter, r *http.Request, err error)
	relayKey []byte

	mu sync.Mutex
	sp *saml.ServiceProvider
}

// NewSAML returns the SAML sign-in handlers. fail renders a sign-in error.
func NewSAML(cfg SAMLConfig, sessions *Sessions, fail func(w http.ResponseWriter, r *http.Request, err error)) (*SAML, error) {
	if cfg.Key == nil || cfg.Cert == nil || cfg.RootURL == nil || cfg.Assertions == nil {
		return nil, fmt.Errorf("auth: SAML needs a key, a certificate, the public URL and a ledger of used assertions")
	}
	if len(cfg.Attributes) == 0 {
		cfg.Attributes = []string{"email", "Email", "mail", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress", "username", "userName", "uid"}
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = http.DefaultClient
	}
	if len(cfg.MFAClasses) == 0 {
		cfg.MFAClasses = DefaultMFAClasses
	}
	mac := hmac.New(sha256.New, x509.MarshalPKCS1PrivateKey(cfg.Key))
	mac.Write([]byte("elevate saml relay state"))
	return &SAML{cfg: cfg, sessions: sessions, fail: fail, relayKey: mac.Sum(nil)}, nil
}

func (s *SAML) base() *saml.ServiceProvider {
	root := *s.cfg.RootURL
	root.Path = strings.TrimRight(root.Path, "/")
	meta, acs := root, root
	meta.Path += "/auth/saml/metadata"
	acs.Path += "/auth/saml/acs"
	sp := &saml.ServiceProvider{EntityID: s.cfg.EntityID, Key: s.cfg.Key, Certificate: s.cfg.Cert, MetadataURL: meta, AcsURL: acs,
		HTTPClient: s.cfg.HTTPClient, AllowIDPInitiated: s.cfg.AllowIDPInitiated, SignatureMethod: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"}
	if sp.EntityID == "" {
		sp.EntityID = meta.String()
	}
	return sp
}

// provider returns the SP with the IdP's metadata loaded.
func (s *SAML) provider(ctx context.Context) (*saml.ServiceProvider, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sp != nil {
		return s.sp, nil
	}
	var md *saml.EntityDescriptor
	var err error
	switch {
	case len(s.cfg.IDPMetadata) > 0:
		md, err = parseIDPMetadata(s.cfg.IDPMetadata)
	case s.cfg.IDPMetadataURL != "":
		var u *url.URL
		if u, err = url.Parse(s.cfg.IDPMetadataURL); err == nil {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
			defer cancel()
			md, err = s.fetchMetadata(ctx, u.String())
		}
	default:
		err = fmt.Errorf("no IdP metadata configured")
	}
	if err != nil {
		return nil, fmt.Errorf("SAML IdP metadata: %w", err)
	}
	sp := s.base()
	sp.IDPMetadata = md
	s.sp = sp
	return sp, nil
}

// Metadata serves the SP metadata the IdP needs: GET /auth/saml/metadata.
func (s *SAML) Metadata(w http.ResponseWriter, r *http.Request) {
	b, err := xml.MarshalIndent(s.base().Metadata(), "", "  ")
	if err != nil {
		http.Error(w, "metadata: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	_, _ = w.Write(append([]byte(xml.Header), b...))
}

// relayState binds the AuthnRequest id to this SP: id + "." + MAC. It stays
// under the 80 bytes SAML allows, and needs no server-side state, so the
// response may reach any replica.
func (s *SAML) relayState(id string) string {
	mac := hmac.New(sha256.New, s.relayKey)
	mac.Write([]byte(id))
	return id + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:16])
}

func (s *SAML) requestIDOf(relay string) (string, bool) {
	id, _, ok := strings.Cut(relay, ".")
	if !ok || id == "" {
		return "", false
	}
	return id, hmac.Equal([]byte(s.relayState(id)), []byte(relay))
}

// samlFlowCookie holds where to go after the IdP's response and, for a
// step-up, its max_age (HttpOnly, 10 minutes, /auth/saml only). The
// response is a cross-site POST from the IdP, so over https the cookie is
// SameSite=None; over plain http (the demo on loopback) browsers would drop
// that, and it is Lax: sent when the IdP is on the same site.
const samlFlowCookie = "elevate_saml_flow"

type samlFlow struct {
	Next   string `json:"x"`
	MaxAge *int   `json:"m,omitempty"`
}

// Login redirects to the IdP with a signed AuthnRequest: GET
// /auth/saml/login?next=/path. With max_age=SECONDS it is a step-up: the
// request says ForceAuthn, and the ACS accepts only an assertion whose
// AuthnInstant is that fresh and whose AuthnContextClassRef is multi-factor.
func (s *SAML) Login(w http.ResponseWriter, r *http.Request) {
	sp, err := s.provider(r.Context())
	if err != nil {
		s.fail(w, r, access.Errorf(access.CodeInternal, "SAML sign-in is not available: %v", err))
		return
	}
	req, err := sp.MakeAuthenticationRequest(sp.GetSSOBindingLocation(saml.HTTPRedirectBinding), saml.HTTPRedirectBinding, saml.HTTPPostBinding)
	if err != nil {
		s.fail(w, r, access.Errorf(access.CodeInternal, "SAML request: %v", err))
		return
	}
	f := samlFlow{Next: SafeNext(r.URL.Query().Get("next"))}
	if maxAge, ok := parseMaxAge(r.URL.Query().Get("max_age")); ok {
		secs := int(maxAge / time.Second)
		f.MaxAge = &secs
		force := true
		req.ForceAuthn = &force
	}
	u, err := req.Redirect(s.relayState(req.ID), sp)
	if err != nil {
		s.fail(w, r, access.Errorf(access.CodeInternal, "SAML request: %v", err))
		return
	}
	b, _ := json.Marshal(f)
	same := http.SameSiteNoneMode
	if !s.sessions.SecureCookies() {
		same = http.SameSiteLaxMode
	}
	http.SetCookie(w, &http.Cookie{Name: samlFlowCookie, Value: base64.RawURLEncoding.EncodeToString(b), Path: "/auth/saml/",
		HttpOnly: true, Secure: s.sessions.SecureCookies(), SameSite: same, MaxAge: 600})
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// ACS receives the IdP's response: POST /auth/saml/acs. The response's
// signature, audience, destination, validity and InResponseTo are checked.
func (s *SAML) ACS(w http.ResponseWriter, r *http.Request) {
	sp, err := s.provider(r.Context())
	if err != nil {
		s.fail(w, r, access.Errorf(access.CodeInternal, "SAML sign-in is not available: %v", err))
		return
	}
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, access.Errorf(access.CodeInvalid, "the SAML response is unreadable"))
		return
	}
	var f samlFlow
	if c, err := r.Cookie(samlFlowCookie); err == nil {
		if b, err := base64.RawURLEncoding.DecodeString(c.Value); err == nil {
			_ = json.Unmarshal(b, &f)
		}
		http.SetCookie(w, &http.Cookie{Name: samlFlowCookie, Value: "", Path: "/auth/saml/", HttpOnly: true, Secure: s.sessions.SecureCookies(), MaxAge: -1})
	}
	var ids []string
	if id, ok := s.requestIDOf(r.PostForm.Get("RelayState")); ok {
		ids = []string{id}
	} else if !s.cfg.AllowIDPInitiated {
		s.fail(w, r, access.Errorf(access.CodeUnauthenticated, "this SAML response was not asked for by elevate: start the sign-in from elevate"))
		return
	}
	as, err := sp.ParseResponse(r, ids)
	if err != nil {
		msg := err.Error()
		if ire, ok := err.(*saml.InvalidResponseError); ok && ire.PrivateErr != nil {
			msg = ire.PrivateErr.Error()
		}
		s.fail(w, r, access.Errorf(access.CodeUnauthenticated, "the SAML response was refused: %s", msg))
		return
	}
	// A bearer assertion is good for one sign-in: one captured (a browser's
	// history, a proxy log) and posted again before it expires is refused,
	// on every replica, since the ledger is the database.
	if as.ID == "" {
		s.fail(w, r, access.Errorf(access.CodeUnauthenticated, "the SAML assertion has no ID"))
		return
	}
	if err := s.cfg.Assertions.UseSAMLAssertion(r.Context(), as.Issuer.Value, as.ID, assertionExpiry(as)); err != nil {
		s.fail(w, r, err)
		return
	}
	login := loginOf(as, s.cfg.Attributes)
	if login == "" {
		s.fail(w, r, access.Errorf(access.CodeUnauthenticated, "the SAML assertion has no email, user name or NameID"))
		return
	}
	proof := SAMLProof(as, s.cfg.MFAClasses)
	if f.MaxAge != nil {
		if err := checkStepUp(proof, time.Duration(*f.MaxAge)*time.Second, time.Now(), acceptedWords("AuthnContextClassRef", s.cfg.MFAClasses)); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if _, err := s.sessions.SignIn(w, r, login, proof); err != nil {
		s.fail(w, r, err)
		return
	}
	next := "/"
	if f.Next != "" {
		next = SafeNext(f.Next)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// assertionExpiry is the moment from which the SP refuses as whatever its
// id: the latest of its NotOnOrAfter times and its issue deadline, plus the
// clock skew the SP allows. Keeping the id until then is enough; keeping it
// longer costs only a row.
func assertionExpiry(as *saml.Assertion) time.Time {
	end := as.IssueInstant.Add(saml.MaxIssueDelay)
	if as.Conditions != nil && as.Conditions.NotOnOrAfter.After(end) {
		end = as.Conditions.NotOnOrAfter
	}
	if as.Subject != nil {
		for _, sc := range as.Subject.SubjectConfirmations {
			if d := sc.SubjectConfirmationData; d != nil && d.NotOnOrAfter.After(end) {
				end = d.NotOnOrAfter
			}
		}
	}
	return end.Add(saml.MaxClockSkew)
}

func loginOf(as *saml.Assertion, names []string) string {
	for _, n := range names {
		for _, st := range as.AttributeStatements {
			for _, a := range st.Attributes {
				if a.Name == n || a.FriendlyName == n {
					for _, v := range a.Values {
						if strings.TrimSpace(v.Value) != "" {
							return strings.TrimSpace(v.Value)
						}
					}
				}
			}
		}
	}
	if as.Subject != nil && as.Subject.NameID != nil {
		return strings.TrimSpace(as.Subject.NameID.Value)
	}
	return ""
}

// fetchMetadata GETs the IdP's metadata document.
func (s *SAML) fetchMetadata(ctx context.Context, u string) (*saml.EntityDescriptor, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := s.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, err
	}
	return parseIDPMetadata(b)
}

// parseIDPMetadata reads an EntityDescriptor, or the first one with an
// IDPSSODescriptor in an EntitiesDescriptor.
func parseIDPMetadata(b []byte) (*saml.EntityDescriptor, error) {
	var ed saml.EntityDescriptor
	if err := xml.Unmarshal(b, &ed); err == nil && len(ed.IDPSSODescriptors) > 0 {
		return &ed, nil
	}
	var eds saml.EntitiesDescriptor
	if err := xml.Unmarshal(b, &eds); err != nil {
		return nil, fmt.Errorf("not SAML metadata: %w", err)
	}
	for i := range eds.EntityDescriptors {
		if len(eds.EntityDescriptors[i].IDPSSODescriptors) > 0 {
			return &eds.EntityDescriptors[i], nil
		}
	}
	return nil, fmt.Errorf("the metadata describes no identity provider")
}
