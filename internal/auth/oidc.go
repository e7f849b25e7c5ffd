package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/elevate/elevate/internal/access"
)

// OIDCConfig configures sign-in with any OpenID Connect provider.
type OIDCConfig struct {
	Issuer       string   // the IdP's issuer URL (discovery at Issuer/.well-known/openid-configuration)
	ClientID     string   // the client registered at the IdP
	ClientSecret string   // empty for a public client (PKCE only)
	RedirectURL  string   // <public URL>/auth/oidc/callback, registered at the IdP
	Scopes       []string // default openid, email, profile
	// Claims are the ID token claims tried in order to find the directory
	// user (by email or user name). Default email, preferred_username.
	Claims []string
	// MFAAMR are the amr values (RFC 8176) of the ID token that count as a
	// multi-factor sign-in. Default DefaultMFAAMR ("mfa").
	MFAAMR []string
	// ACRValues are asked for (acr_values) on a step-up sign-in, and an
	// ID token whose acr is one of them counts as multi-factor. Default
	// none.
	ACRValues []string
	// HTTPClient reaches the IdP. Default http.DefaultClient.
	HTTPClient *http.Client
}

// OIDC signs users in with the authorization code flow and PKCE (S256),
// checking state and nonce. The provider's discovery document is fetched on
// first use, so elevate starts even while the IdP is unreachable.
type OIDC struct {
	cfg      OIDCConfig
	sessions *Sessions
	fail     func(w http.ResponseWriter, r *http.Request, err error)

	mu       sync.Mutex
	provider *oidc.Provider
	verifier *oidc.IDTokenVerifier
	oauth    *oauth2.Config
}

// oidcFlowCookie holds one sign-in attempt's state, nonce and PKCE verifier
// (HttpOnly, for 10 minutes, on /auth/oidc only).
const oidcFlowCookie = "elevate_oidc_flow"

type oidcFlow struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Next     string `json:"x"`
	// MaxAge is a step-up's max_age in seconds (an approval that needs a
	// fresh multi-factor sign-in); nil: an ordinary sign-in.
	MaxAge *int `json:"m,omitempty"`
}

// NewOIDC returns the OIDC sign-in handlers. fail renders a sign-in error.
func NewOIDC(cfg OIDCConfig, sessions *Sessions, fail func(w http.ResponseWriter, r *http.Request, err error)) *OIDC {
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = []string{oidc.ScopeOpenID, "email", "profile"}
	}
	if len(cfg.Claims) == 0 {
		cfg.Claims = []string{"email", "preferred_username"}
	}
	if len(cfg.MFAAMR) == 0 {
		cfg.MFAAMR = DefaultMFAAMR
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = http.DefaultClient
	}
	return &OIDC{cfg: cfg, sessions: sessions, fail: fail}
}

func (o *OIDC) setup(ctx context.Context) (*oauth2.Config, *oidc.IDTokenVerifier, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.oauth != nil {
		return o.oauth, o.verifier, nil
	}
	ctx, cancel := context.WithTimeout(oidc.ClientContext(context.WithoutCancel(ctx), o.cfg.HTTPClient), 15*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(ctx, o.cfg.Issuer)
	if err != nil {
		return nil, nil, fmt.Errorf("OIDC discovery at %s: %w", o.cfg.Issuer, err)
	}
	o.oauth = &oauth2.Config{ClientID: o.cfg.ClientID, ClientSecret: o.cfg.ClientSecret, RedirectURL: o.cfg.RedirectURL,
		Endpoint: p.Endpoint(), Scopes: o.cfg.Scopes}
	o.verifier = p.Verifier(&oidc.Config{ClientID: o.cfg.ClientID})
	o.provider = p
	return o.oauth, o.verifier, nil
}

func randomString() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Login starts the flow: GET /auth/oidc/login?next=/path. With
// max_age=SECONDS it is a step-up: the IdP is asked (max_age, and
// acr_values when configured) for a sign-in at most that old, and the
// callback accepts only a multi-factor one that fresh.
func (o *OIDC) Login(w http.ResponseWriter, r *http.Request) {
	oc, _, err := o.setup(r.Context())
	if err != nil {
		o.fail(w, r, access.Errorf(access.CodeInternal, "the identity provider is unreachable: %v", err))
		return
	}
	f := oidcFlow{State: randomString(), Nonce: randomString(), Verifier: oauth2.GenerateVerifier(), Next: SafeNext(r.URL.Query().Get("next"))}
	opts := []oauth2.AuthCodeOption{oidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier)}
	if maxAge, ok := parseMaxAge(r.URL.Query().Get("max_age")); ok {
		secs := int(maxAge / time.Second)
		f.MaxAge = &secs
		opts = append(opts, oauth2.SetAuthURLParam("max_age", strconv.Itoa(secs)))
		if len(o.cfg.ACRValues) > 0 {
			opts = append(opts, oauth2.SetAuthURLParam("acr_values", strings.Join(o.cfg.ACRValues, " ")))
		}
	}
	b, _ := json.Marshal(f)
	http.SetCookie(w, &http.Cookie{Name: oidcFlowCookie, Value: base64.RawURLEncoding.EncodeToString(b), Path: "/auth/oidc/",
		HttpOnly: true, Secure: o.sessions.SecureCookies(), SameSite: http.SameSiteLaxMode, MaxAge: 600})
	http.Redirect(w, r, oc.AuthCodeURL(f.State, opts...), http.StatusFound)
}

// Callback finishes the flow: GET /auth/oidc/callback?code=...&state=...
func (o *OIDC) Callback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	oc, verifier, err := o.setup(ctx)
	if err != nil {
		o.fail(w, r, access.Errorf(access.CodeInternal, "the identity provider is unreachable: %v", err))
		return
	}
	var f oidcFlow
	if c, err := r.Cookie(oidcFlowCookie); err == nil {
		if b, err := base64.RawURLEncoding.DecodeString(c.Value); err == nil {
			_ = json.Unmarshal(b, &f)
		}
	}
	http.SetCookie(w, &http.Cookie{Name: oidcFlowCookie, Value: "", Path: "/auth/oidc/", HttpOnly: true, Secure: o.sessions.SecureCookies(), MaxAge: -1})
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		o.fail(w, r, access.Errorf(access.CodeUnauthenticated, "the identity provider refused the sign-in: %s %s", e, q.Get("error_description")))
		return
	}
	if f.State == "" || q.Get("state") != f.State {
		o.fail(w, r, access.Errorf(access.CodeUnauthenticated, "the sign-in state does not match (expired, or started in another browser): sign in again"))
		return
	}
	cctx := oidc.ClientContext(ctx, o.cfg.HTTPClient)
	tok, err := oc.Exchange(cctx, q.Get("code"), oauth2.VerifierOption(f.Verifier))
	if err != nil {
		o.fail(w, r, access.Errorf(access.CodeUnauthenticated, "the identity provider did not accept the sign-in code: %v", err))
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		o.fail(w, r, access.Errorf(access.CodeUnauthenticated, "the identity provider sent no ID token"))
		return
	}
	idt, err := verifier.Verify(cctx, raw)
	if err != nil {
		o.fail(w, r, access.Errorf(access.CodeUnauthenticated, "the ID token is not valid: %v", err))
		return
	}
	if idt.Nonce != f.Nonce {
		o.fail(w, r, access.Errorf(access.CodeUnauthenticated, "the ID token's nonce does not match this sign-in"))
		return
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		o.fail(w, r, access.Errorf(access.CodeUnauthenticated, "the ID token's claims are unreadable: %v", err))
		return
	}
	login := LoginFromClaims(claims, o.cfg.Claims)
	if login == "" {
		// Many IdPs put the email and profile claims only in the UserInfo
		// response when they also issue an access token (OIDC Core 5.4).
		uc, err := o.userInfoClaims(cctx, tok, idt.Subject)
		if err != nil {
			o.fail(w, r, access.Errorf(access.CodeUnauthenticated, "the ID token has none of the claims %s, and the UserInfo endpoint did not answer: %v", strings.Join(o.cfg.Claims, ", "), err))
			return
		}
		login = LoginFromClaims(uc, o.cfg.Claims)
	}
	if login == "" {
		o.fail(w, r, access.Errorf(access.CodeUnauthenticated, "neither the ID token nor UserInfo has any of the claims %s", strings.Join(o.cfg.Claims, ", ")))
		return
	}
	proof := OIDCProof(claims, o.cfg.MFAAMR, o.cfg.ACRValues)
	if f.MaxAge != nil {
		// A step-up that did not prove a fresh multi-factor sign-in keeps
		// the session the browser had: signing in again would not help the
		// approval it was for.
		accepted := acceptedWords("amr", o.cfg.MFAAMR)
		if len(o.cfg.ACRValues) > 0 {
			accepted += " or " + acceptedWords("acr", o.cfg.ACRValues)
		}
		if err := checkStepUp(proof, time.Duration(*f.MaxAge)*time.Second, time.Now(), accepted); err != nil {
			o.fail(w, r, err)
			return
		}
	}
	if _, err := o.sessions.SignIn(w, r, login, proof); err != nil {
		o.fail(w, r, err)
		return
	}
	http.Redirect(w, r, SafeNext(f.Next), http.StatusSeeOther)
}

// userInfoClaims fetches the UserInfo claims with the access token; they
// must be about the ID token's subject (OIDC Core 5.3.2).
func (o *OIDC) userInfoClaims(ctx context.Context, tok *oauth2.Token, subject string) (map[string]any, error) {
	o.mu.Lock()
	p := o.provider
	o.mu.Unlock()
	if p.UserInfoEndpoint() == "" {
		return nil, fmt.Errorf("the provider has no UserInfo endpoint")
	}
	ui, err := p.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		return nil, fmt.Errorf("fetch UserInfo: %w", err)
	}
	if ui.Subject != subject {
		return nil, fmt.Errorf("UserInfo is about subject %q, not the ID token's %q", ui.Subject, subject)
	}
	var claims map[string]any
	if err := ui.Claims(&claims); err != nil {
		return nil, fmt.Errorf("read UserInfo claims: %w", err)
	}
	return claims, nil
}

// LoginFromClaims returns the first non-empty string claim of names: the
// email or user name to look up in the directory. The email claim counts
// only when email_verified is true: an unverified email could name anyone,
// and IdPs leave email_verified out when it is false (omitempty), so an
// absent one is not trusted either.
func LoginFromClaims(claims map[string]any, names []string) string {
	for _, c := range names {
		v, ok := claims[c].(string)
		if !ok || strings.TrimSpace(v) == "" {
			continue
		}
		if c == "email" && !emailVerified(claims["email_verified"]) {
			continue
		}
		return strings.TrimSpace(v)
	}
	return ""
}

// emailVerified reads email_verified: true, or the string "true" that some
// IdPs send.
func emailVerified(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		return strings.EqualFold(strings.TrimSpace(x), "true")
	}
	return false
}
