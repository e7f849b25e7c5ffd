package config

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Auth configures portal sign-in. With neither OIDC nor SAML
// configured, only the API (bearer tokens) is usable, except in the demo.
type Auth struct {
	// SessionIdleTimeout ends a portal session after this long without a
	// request. Default 1h.
	SessionIdleTimeout time.Duration `yaml:"session_idle_timeout"`
	// SessionAbsoluteTimeout ends a portal session this long after sign-in.
	// Default 12h.
	SessionAbsoluteTimeout time.Duration `yaml:"session_absolute_timeout"`
	// OIDC enables sign-in with an OpenID Connect provider. Default off.
	OIDC OIDC `yaml:"oidc"`
	// SAML enables sign-in with a SAML 2.0 IdP (IAM Identity Center's
	// custom SAML application). Default off.
	SAML SAML `yaml:"saml"`
	// SignInLinks allows the one-time portal sign-in links `elevate
	// signin-link` makes (for the first hour, before OIDC or SAML works),
	// and serves /signin/link. Default true.
	SignInLinks bool `yaml:"signin_links"`
}

// OIDC configures the authorization code flow with PKCE.
type OIDC struct {
	// Issuer is the IdP's issuer URL. Empty (the default) turns OIDC off.
	Issuer string `yaml:"issuer"`
	// ClientID of elevate at the IdP. Required with Issuer.
	ClientID string `yaml:"client_id"`
	// ClientSecret; from ELEVATE_OIDC_CLIENT_SECRET only. Default empty (a
	// public client, PKCE only).
	ClientSecret string `yaml:"-" key:"client_secret" secret:"true"`
	// RedirectURL registered at the IdP. Default <public_url>/auth/oidc/callback.
	RedirectURL string `yaml:"redirect_url"`
	// Scopes requested. Default openid, email, profile.
	Scopes []string `yaml:"scopes"`
	// Claims of the ID token tried in order to find the directory user (by
	// email or user name). Default email, preferred_username.
	Claims []string `yaml:"claims"`
	// MFAAMR are the ID token's amr values (RFC 8176) that count as a
	// multi-factor sign-in, for rules with approver_mfa. Default mfa.
	MFAAMR []string `yaml:"mfa_amr"`
	// ACRValues are asked for (acr_values) when an approver is sent through
	// a fresh sign-in, and an ID token whose acr is one of them counts as
	// multi-factor. Default none.
	ACRValues []string `yaml:"acr_values"`
}

// SAML configures elevate as a SAML 2.0 service provider. Its metadata is
// served at <public_url>/auth/saml/metadata and its ACS is
// <public_url>/auth/saml/acs.
type SAML struct {
	// IDPMetadataURL is where the IdP publishes its metadata (Identity
	// Center shows it on the application's page). One of this and
	// IDPMetadataFile turns SAML on. Default empty: off.
	IDPMetadataURL string `yaml:"idp_metadata_url"`
	// IDPMetadataFile is the IdP's metadata XML, downloaded. Default empty.
	IDPMetadataFile string `yaml:"idp_metadata_file"`
	// EntityID of elevate. Default <public_url>/auth/saml/metadata.
	EntityID string `yaml:"entity_id"`
	// KeyFile and CertFile are the SP's RSA key and certificate (PEM).
	// Default: generated once in data_dir (saml-sp.key, saml-sp.crt); set
	// them when several replicas serve, so they all share one.
	KeyFile  string `yaml:"key_file"`
	CertFile string `yaml:"cert_file"`
	// Attributes of the assertion tried in order to find the directory
	// user; the NameID is tried last. Default email and its usual URIs.
	Attributes []string `yaml:"attributes"`
	// AllowIDPInitiated accepts sign-ins started at the IdP (the AWS access
	// portal's tile). Default false: sign-in starts at elevate, and an
	// unsolicited response is refused (no login CSRF).
	AllowIDPInitiated bool `yaml:"allow_idp_initiated"`
	// MFAClasses are the AuthnContextClassRef values that count as a
	// multi-factor sign-in, for rules with approver_mfa. Default: the SAML
	// 2.0 two-factor, token and smartcard classes, https://refeds.org/profile/mfa
	// and http://schemas.microsoft.com/claims/multipleauthn.
	MFAClasses []string `yaml:"mfa_classes"`
}

// Enabled reports whether OIDC sign-in is configured.
func (o OIDC) Enabled() bool { return o.Issuer != "" }

// Enabled reports whether SAML sign-in is configured.
func (s SAML) Enabled() bool { return s.IDPMetadataURL != "" || s.IDPMetadataFile != "" }

func (c *Config) applyAuthEnv(getenv func(string) string) {
	if v := getenv("ELEVATE_OIDC_CLIENT_SECRET"); v != "" {
		c.Auth.OIDC.ClientSecret = v
	}
	if v := getenv("ELEVATE_OIDC_ISSUER"); v != "" {
		c.Auth.OIDC.Issuer = v
	}
	if v := getenv("ELEVATE_OIDC_CLIENT_ID"); v != "" {
		c.Auth.OIDC.ClientID = v
	}
}

func (a Auth) validate() []error {
	var errs []error
	if a.SessionIdleTimeout < 0 || a.SessionAbsoluteTimeout < 0 {
		errs = append(errs, errors.New("auth.session_idle_timeout, auth.session_absolute_timeout: must not be negative"))
	}
	if a.OIDC.Enabled() {
		if !strings.HasPrefix(a.OIDC.Issuer, "https://") && !strings.HasPrefix(a.OIDC.Issuer, "http://") {
			errs = append(errs, fmt.Errorf("auth.oidc.issuer: %q is not an http(s) URL", a.OIDC.Issuer))
		}
		if a.OIDC.ClientID == "" {
			errs = append(errs, errors.New("auth.oidc.client_id: empty; register elevate at the IdP and give its client id"))
		}
	}
	if a.SAML.IDPMetadataURL != "" && a.SAML.IDPMetadataFile != "" {
		errs = append(errs, errors.New("auth.saml: set idp_metadata_url or idp_metadata_file, not both"))
	}
	if (a.SAML.KeyFile == "") != (a.SAML.CertFile == "") {
		errs = append(errs, errors.New("auth.saml: set both key_file and cert_file, or neither"))
	}
	return errs
}
