package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// AllowSetting names the setting that admits refused destinations, for
// error messages.
const AllowSetting = "--allow-destinations (HERALD_ALLOW_DESTINATIONS)"

// AllowList admits destinations the guard would refuse: CIDRs and IPs match
// the address dialled, host names match the name in the notifier exactly,
// and ".suffix" names match every name below the suffix. The zero value and
// nil admit nothing.
type AllowList struct {
	prefixes []netip.Prefix
	names    map[string]bool
	suffixes []string // with their leading dot
}

// ParseAllowList parses a comma-separated list (--allow-destinations).
// Link-local entries are refused: link-local is never admitted.
func ParseAllowList(s string) (*AllowList, error) {
	a := &AllowList{names: map[string]bool{}}
	for _, e := range strings.Split(s, ",") {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		var p netip.Prefix
		var err error
		switch {
		case strings.Contains(e, "/"):
			p, err = netip.ParsePrefix(e)
			if err != nil {
				return nil, fmt.Errorf("%q is not a CIDR: %v", e, err)
			}
			p = p.Masked()
		case strings.Contains(e, ":") || strings.Trim(e, "0123456789.") == "":
			ip, err := netip.ParseAddr(e)
			if err != nil {
				return nil, fmt.Errorf("%q is not an IP address: %v", e, err)
			}
			p = netip.PrefixFrom(ip, ip.BitLen())
		default:
			name := normalName(e)
			if !validName(strings.TrimPrefix(name, ".")) {
				return nil, fmt.Errorf("%q is not a CIDR, an IP address, a host name or a .suffix", e)
			}
			if strings.HasPrefix(name, ".") {
				a.suffixes = append(a.suffixes, name)
			} else {
				a.names[name] = true
			}
			continue
		}
		if linkLocal(p.Addr().Unmap()) && p.Bits() >= linkLocalBits(p.Addr().Unmap()) {
			return nil, fmt.Errorf("%q is link-local, which is always refused", e)
		}
		a.prefixes = append(a.prefixes, p)
	}
	return a, nil
}

// admitsName reports whether host (as written in the notifier) is admitted by name.
func (a *AllowList) admitsName(host string) bool {
	if a == nil {
		return false
	}
	host = normalName(host)
	if a.names[host] {
		return true
	}
	for _, s := range a.suffixes {
		if strings.HasSuffix(host, s) {
			return true
		}
	}
	return false
}

func (a *AllowList) admitsAddr(ip netip.Addr) bool {
	if a == nil {
		return false
	}
	for _, p := range a.prefixes {
		if p.Contains(ip) || p.Contains(ip.Unmap()) {
			return true
		}
	}
	return false
}

func normalName(s string) string { return strings.TrimSuffix(strings.ToLower(s), ".") }

// validName accepts DNS names: labels of letters, digits, '-' and '_'.
func validName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, l := range strings.Split(s, ".") {
		if l == "" || len(l) > 63 || strings.Trim(l, "abcdefghijklmnopqrstuvwxyz0123456789-_") != "" ||
			l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
	}
	return true
}

// special lists the ranges refused by default, most specific first, with
// what the error calls them (IANA special-purpose registries, RFC 6890).
var special = func() []struct {
	p    netip.Prefix
	kind string
} {
	rows := []struct{ cidr, kind string }{
		{"0.0.0.0/32", "unspecified"},
		{"0.0.0.0/8", "reserved"},
		{"10.0.0.0/8", "private"},
		{"100.64.0.0/10", "carrier-grade NAT"},
		{"127.0.0.0/8", "loopback"},
		{"169.254.0.0/16", "link-local"},
		{"172.16.0.0/12", "private"},
		{"192.0.0.0/24", "reserved"},
		{"192.0.2.0/24", "documentation"},
		{"192.88.99.0/24", "reserved"},
		{"192.168.0.0/16", "private"},
		{"198.18.0.0/15", "reserved"},
		{"198.51.100.0/24", "documentation"},
		{"203.0.113.0/24", "documentation"},
		{"224.0.0.0/4", "multicast"},
		{"240.0.0.0/4", "reserved"}, // and 255.255.255.255
		{"::/128", "unspecified"},
		{"::1/128", "loopback"},
		{"64:ff9b:1::/48", "private"},
		{"100::/64", "reserved"},
		{"2001::/23", "reserved"},
		{"2001:db8::/32", "documentation"},
		{"2002::/16", "reserved"}, // 6to4: reaches the IPv4 it embeds
		{"3fff::/20", "documentation"},
		{"5f00::/16", "reserved"},
		{"fc00::/7", "private"},
		{"fe80::/10", "link-local"},
		{"fec0::/10", "reserved"},
		{"ff00::/8", "multicast"},
	}
	out := make([]struct {
		p    netip.Prefix
		kind string
	}, len(rows))
	for i, r := range rows {
		out[i].p, out[i].kind = netip.MustParsePrefix(r.cidr), r.kind
	}
	return out
}()

var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// classifyAddr says which refused range ip is in, "" when it is a public
// address. IPv4-mapped and NAT64 addresses are judged by the IPv4 address
// they reach; IPv6 outside 2000::/3 is not assigned for unicast, so reserved.
func classifyAddr(ip netip.Addr) string {
	ip = ip.WithZone("")
	if ip.Is4In6() {
		ip = ip.Unmap()
	} else if nat64.Contains(ip) {
		b := ip.As16()
		ip = netip.AddrFrom4([4]byte(b[12:]))
	}
	for _, s := range special {
		if s.p.Contains(ip) {
			return s.kind
		}
	}
	if ip.Is6() && !netip.MustParsePrefix("2000::/3").Contains(ip) {
		return "reserved"
	}
	return ""
}

func linkLocal(ip netip.Addr) bool { return classifyAddr(ip) == "link-local" }

func linkLocalBits(ip netip.Addr) int {
	if ip.Is4() {
		return 16
	}
	return 10
}

// RefusedError is a destination the guard would not connect to.
type RefusedError struct {
	Host string     // as the notifier names it
	Addr netip.Addr // the address it resolved to
	Kind string     // "loopback", "private", "link-local"...
}

func (e *RefusedError) Error() string {
	where := e.Addr.String()
	if e.Host != "" && e.Host != where {
		where = fmt.Sprintf("%s (%s)", e.Addr, e.Host)
	}
	if e.Kind == "link-local" {
		return fmt.Sprintf("destination %s refused: a link-local address is never reached, whatever %s says", where, AllowSetting)
	}
	return fmt.Sprintf("destination %s refused: %s address; admit it with %s", where, e.Kind, AllowSetting)
}

// Refused reports whether err is, or wraps, a refused destination.
func Refused(err error) (*RefusedError, bool) {
	var r *RefusedError
	return r, errors.As(err, &r)
}

// guard dials addresses taken from notifiers. It checks each address at the
// moment it is connected to, after resolution, so a name that resolves to a
// public address when checked and to 127.0.0.1 when dialled (DNS
// rebinding) cannot slip through.
type guard struct {
	allow    *AllowList
	resolver *net.Resolver
}

func (g guard) check(host string, address string, byName bool) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("destination %s: unexpected address %q", host, address)
	}
	ip := ap.Addr()
	kind := classifyAddr(ip)
	switch {
	case kind == "":
		return nil
	case kind == "link-local":
	case byName || g.allow.admitsAddr(ip):
		return nil
	}
	return &RefusedError{Host: host, Addr: ip.WithZone(""), Kind: kind}
}

func (g guard) dialer(host string) *net.Dialer {
	byName := g.allow.admitsName(host)
	return &net.Dialer{
		Timeout:   30 * time.Second,
		KeepAlive: 30 * time.Second,
		Resolver:  g.resolver,
		Control: func(_, address string, _ syscall.RawConn) error {
			return g.check(host, address, byName)
		},
	}
}

// DialContext connects to addr ("host:port") as net.Dialer does, refusing
// the addresses the guard refuses.
func (g guard) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	return g.dialer(host).DialContext(ctx, network, addr)
}

// DialTLSContext is DialContext followed by a TLS handshake with cfg.
func (g guard) DialTLSContext(ctx context.Context, network, addr string, cfg *tls.Config) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	d := tls.Dialer{NetDialer: g.dialer(host), Config: cfg}
	return d.DialContext(ctx, network, addr)
}
