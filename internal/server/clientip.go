package server

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ClientIP is the address rate limits count by. Without trusted proxies, or
// when the connection's peer is not one of them, it is the peer. Behind a
// trusted proxy it is the right-most address of the forwarding chain that
// is not a trusted proxy: every hop to the right of it was appended by a
// proxy elevate trusts, everything to its left is the client's to forge.
// The chain is every X-Forwarded-For line in order, or, without one, every
// Forwarded line's for= parameters. A request with both, naming different
// clients, counts under the peer: elevate can't tell which header the proxy
// wrote, and a client gains nothing by sending both.
func ClientIP(r *http.Request, trusted []netip.Prefix) string {
	peer := peerAddr(r)
	if !peer.IsValid() {
		return r.RemoteAddr
	}
	if !inNetworks(peer, trusted) {
		return peer.String()
	}
	xff, hasXFF := chainClient(forwardedFor(r.Header.Values("X-Forwarded-For")), peer, trusted)
	fwd, hasFwd := chainClient(forwardedParams(r.Header.Values("Forwarded")), peer, trusted)
	switch {
	case hasXFF && hasFwd && xff != fwd:
		return peer.String()
	case hasXFF:
		return xff.String()
	case hasFwd:
		return fwd.String()
	}
	return peer.String()
}

// peerAddr is the connection's remote address.
func peerAddr(r *http.Request) netip.Addr {
	host := r.RemoteAddr
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

func inNetworks(a netip.Addr, nets []netip.Prefix) bool {
	for _, n := range nets {
		if n.Contains(a) {
			return true
		}
	}
	return false
}

// chainClient walks chain (left to right as sent) from the right, starting
// at the trusted peer, and returns the first address not in trusted. An
// entry that is no address ends the walk at the last trusted hop, which
// is then the best known client. ok is false for an empty chain.
func chainClient(chain []string, peer netip.Addr, trusted []netip.Prefix) (netip.Addr, bool) {
	if len(chain) == 0 {
		return netip.Addr{}, false
	}
	last := peer
	for i := len(chain) - 1; i >= 0; i-- {
		a, ok := parseHop(chain[i])
		if !ok {
			return last, true
		}
		if !inNetworks(a, trusted) {
			return a, true
		}
		last = a
	}
	return last, true
}

// parseHop reads one forwarding entry: an address, an address with a port,
// or a bracketed IPv6 address with or without a port, maybe quoted.
func parseHop(s string) (netip.Addr, bool) {
	s = strings.Trim(strings.TrimSpace(s), `"`)
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

// forwardedFor splits X-Forwarded-For lines into their entries, in order.
func forwardedFor(lines []string) []string {
	var out []string
	for _, l := range lines {
		for e := range strings.SplitSeq(l, ",") {
			out = append(out, e)
		}
	}
	return out
}

// forwardedParams returns the for= values of Forwarded lines (RFC 7239),
// one per element, in order; an element without for= counts as an unknown
// hop.
func forwardedParams(lines []string) []string {
	var out []string
	for _, l := range lines {
		for elem := range strings.SplitSeq(l, ",") {
			val := "unknown"
			for pair := range strings.SplitSeq(elem, ";") {
				k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
				if ok && strings.EqualFold(strings.TrimSpace(k), "for") {
					val = v
				}
			}
			out = append(out, val)
		}
	}
	return out
}
