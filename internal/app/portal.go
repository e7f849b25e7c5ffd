package app

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/auth"
	"github.com/elevate/elevate/internal/web"
	"github.com/elevate/elevate/internal/workflow"
)

// newPortal builds the web portal with the configured sign-in methods; the
// demo's pick-a-user sign-in only when opts.DemoUsers is set (never from
// configuration).
func (a *App) newPortal(opts Options) (*web.Portal, error) {
	cfg := a.cfg
	root, err := url.Parse(strings.TrimRight(cfg.URL(), "/"))
	if err != nil {
		return nil, fmt.Errorf("public_url: %w", err)
	}
	if strings.EqualFold(root.Scheme, "http") && !auth.IsLoopbackHost(root.Host) {
		a.log.Warn("public_url is plain http on a host that is not loopback: session cookies are sent without Secure and may leak; put elevate behind TLS and set public_url to its https URL",
			"public_url", root.String())
	}
	// Cookie security follows the configured URL, not each request's Host
	// header: behind a proxy on the same host every request looks local.
	sessions := auth.NewSessions(a.svc, access.SessionTimeouts{Idle: cfg.Auth.SessionIdleTimeout, Absolute: cfg.Auth.SessionAbsoluteTimeout}, a.log).
		LimitPerUser(signInPerUser(cfg.Security)).WithPublicURL(root)
	wo := web.Options{Service: a.svc, Audit: a.audit, Sessions: sessions, DemoUsers: opts.DemoUsers, Logger: a.log,
		PolicyManagedAsCode: cfg.Policy.ManagedAsCode, AccessPortalURL: cfg.AWS.AccessPortalURL, SSORegion: cfg.AWS.Region}
	if cfg.Auth.SignInLinks {
		wo.SignInLinks = a.svc
	}
	if a.notif != nil && a.notif.svc != nil {
		wo.Notifications = a.notif.svc
		wo.Messages = messages{n: a.notif.svc, svc: a.svc}
		if opts.DemoSlack != nil && a.notif.inter != nil {
			wo.SlackDemo = slackDemo{a: a, n: a.notif, local: opts.DemoSlack}
		}
	}
	if a.syncCtl != nil { // sync.go
		wo.Sync = a.syncCtl
	}
	if o := cfg.Auth.OIDC; o.Enabled() {
		redirect := o.RedirectURL
		if redirect == "" {
			redirect = root.String() + "/auth/oidc/callback"
		}
		wo.OIDC = &auth.OIDCConfig{Issuer: o.Issuer, ClientID: o.ClientID, ClientSecret: o.ClientSecret, RedirectURL: redirect,
			Scopes: o.Scopes, Claims: o.Claims, MFAAMR: o.MFAAMR, ACRValues: o.ACRValues, HTTPClient: &http.Client{Timeout: 30 * time.Second}}
	}
	if s := cfg.Auth.SAML; s.Enabled() {
		key, cert, err := samlKeyPair(cfg.DataDir, s.KeyFile, s.CertFile, root.Hostname())
		if err != nil {
			return nil, err
		}
		sc := &auth.SAMLConfig{RootURL: root, EntityID: s.EntityID, Key: key, Cert: cert, IDPMetadataURL: s.IDPMetadataURL,
			Attributes: s.Attributes, AllowIDPInitiated: s.AllowIDPInitiated, MFAClasses: s.MFAClasses, HTTPClient: &http.Client{Timeout: 30 * time.Second},
			Assertions: a.svc}
		if s.IDPMetadataFile != "" {
			if sc.IDPMetadata, err = os.ReadFile(s.IDPMetadataFile); err != nil {
				return nil, fmt.Errorf("auth.saml.idp_metadata_file: %w", err)
			}
		}
		wo.SAML = sc
	}
	return web.New(wo)
}

// samlKeyPair loads the SP's key and certificate, or creates them once in
// dataDir (saml-sp.key, saml-sp.crt) when no files are configured.
func samlKeyPair(dataDir, keyFile, certFile, host string) (*rsa.PrivateKey, *x509.Certificate, error) {
	generate := keyFile == ""
	if generate {
		keyFile, certFile = filepath.Join(dataDir, "saml-sp.key"), filepath.Join(dataDir, "saml-sp.crt")
	}
	kb, kerr := os.ReadFile(keyFile)
	cb, cerr := os.ReadFile(certFile)
	if generate && errors.Is(kerr, os.ErrNotExist) && errors.Is(cerr, os.ErrNotExist) {
		return createSAMLKeyPair(keyFile, certFile, host)
	}
	if kerr != nil || cerr != nil {
		return nil, nil, fmt.Errorf("auth.saml key pair: %w", errors.Join(kerr, cerr))
	}
	kp, _ := pem.Decode(kb)
	cp, _ := pem.Decode(cb)
	if kp == nil || cp == nil {
		return nil, nil, fmt.Errorf("auth.saml key pair: %s or %s is not PEM", keyFile, certFile)
	}
	var key *rsa.PrivateKey
	if k, err := x509.ParsePKCS1PrivateKey(kp.Bytes); err == nil {
		key = k
	} else if k8, err8 := x509.ParsePKCS8PrivateKey(kp.Bytes); err8 == nil {
		var ok bool
		if key, ok = k8.(*rsa.PrivateKey); !ok {
			return nil, nil, fmt.Errorf("auth.saml.key_file: want an RSA key")
		}
	} else {
		return nil, nil, fmt.Errorf("auth.saml.key_file: %w", err)
	}
	cert, err := x509.ParseCertificate(cp.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("auth.saml.cert_file: %w", err)
	}
	return key, cert, nil
}

func createSAMLKeyPair(keyFile, certFile, host string) (*rsa.PrivateKey, *x509.Certificate, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, fmt.Errorf("generate SAML key: %w", err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: "elevate SAML SP " + host},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(10, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("generate SAML certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600); err != nil {
		return nil, nil, fmt.Errorf("write SAML key: %w", err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		return nil, nil, fmt.Errorf("write SAML certificate: %w", err)
	}
	return key, cert, nil
}

// The workflow service is the portal sessions' backend.
var _ auth.SessionBackend = (*workflow.Service)(nil)
