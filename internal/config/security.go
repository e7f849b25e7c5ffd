package config

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Security configures the HTTP hardening: rate limits and the
// trust placed in a reverse proxy's headers.
type Security struct {
	// TrustProxyHeaders lists the networks (CIDRs or single addresses) of
	// the reverse proxies in front of elevate. A request whose peer is in
	// them has its X-Forwarded-Proto trusted (HSTS when it says https), and
	// its client IP (what rate limits count by) is the right-most address
	// of X-Forwarded-For (every line) or Forwarded: for= that is not in
	// them. true is short for the loopback and private ranges, false (the
	// default, or an empty list) trusts no proxy.
	TrustProxyHeaders ProxyTrust `yaml:"trust_proxy_headers"`
	// HSTSMaxAge is Strict-Transport-Security's max-age, sent only over TLS.
	// Default 8760h (a year); negative turns HSTS off.
	HSTSMaxAge time.Duration `yaml:"hsts_max_age"`
	// RateLimits are per minute; 0 takes the default, negative turns the
	// limit off. Each replica counts on its own.
	RateLimits RateLimits `yaml:"rate_limits"`
}

// RateLimits are events per minute, allowed in a burst of the same size.
type RateLimits struct {
	// SignInPerIP: requests to /auth/... per client IP. Default 30.
	SignInPerIP int `yaml:"sign_in_per_ip"`
	// SignInPerUser: sign-ins per directory user (by the asserted login).
	// Default 10.
	SignInPerUser int `yaml:"sign_in_per_user"`
	// FailedTokensPerIP: API requests answered 401 per client IP, and as
	// many per token prefix; past either, further failures get 429 (a valid
	// token is always served). Default 60.
	FailedTokensPerIP int `yaml:"failed_tokens_per_ip"`
	// RequestsPerToken: API requests per bearer token. Default 3000.
	RequestsPerToken int `yaml:"requests_per_token"`
}

// WithDefaults fills zero limits with their defaults.
func (r RateLimits) WithDefaults() RateLimits {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&r.SignInPerIP, 30)
	def(&r.SignInPerUser, 10)
	def(&r.FailedTokensPerIP, 60)
	def(&r.RequestsPerToken, 3000)
	return r
}

func (s Security) validate() []error {
	var errs []error
	if _, err := s.TrustProxyHeaders.Networks(); err != nil {
		errs = append(errs, fmt.Errorf("security.trust_proxy_headers: %w", err))
	}
	if s.HSTSMaxAge > 0 && s.HSTSMaxAge < time.Hour {
		errs = append(errs, fmt.Errorf("security.hsts_max_age: %s is under an hour; use at least 1h, or a negative value to turn HSTS off", s.HSTSMaxAge))
	}
	return errs
}

// ProxyTrust is security.trust_proxy_headers: a list of networks, or true
// or false for compatibility with the boolean it used to be.
type ProxyTrust []string

// UnmarshalYAML accepts a list, or one scalar (true, false, a network).
func (p *ProxyTrust) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		*p = nil
		if v := strings.TrimSpace(n.Value); v != "" && n.Tag != "!!null" {
			*p = ProxyTrust{v}
		}
		return nil
	case yaml.SequenceNode:
		var l []string
		if err := n.Decode(&l); err != nil {
			return err
		}
		*p = l
		return nil
	}
	return fmt.Errorf("line %d: want a list of networks (CIDRs), true or false", n.Line)
}

// privateNetworks is what true trusts: loopback, RFC 1918 and unique local
// addresses, where a reverse proxy in front of elevate usually is.
var privateNetworks = []string{"127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"}

// Networks returns the trusted proxy networks: none for false or an empty
// list, the loopback and private ranges for true.
func (p ProxyTrust) Networks() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range p {
		v = strings.TrimSpace(v)
		switch strings.ToLower(v) {
		case "false", "":
			continue
		case "true":
			for _, n := range privateNetworks {
				out = append(out, netip.MustParsePrefix(n))
			}
			continue
		}
		if pf, err := netip.ParsePrefix(v); err == nil {
			out = append(out, pf.Masked())
			continue
		}
		a, err := netip.ParseAddr(v)
		if err != nil {
			return nil, fmt.Errorf("%q is not a network like 10.0.0.0/8 or an address, nor true or false", v)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}
