package notify

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

// The ranges are judged without dialling: a test must never send a packet
// to a private or reserved address. Dialling is tested on loopback.
func TestGuardRefusesSpecialRanges(t *testing.T) {
	tests := []struct{ addr, kind string }{
		{"127.0.0.1", "loopback"},
		{"127.255.0.9", "loopback"},
		{"::1", "loopback"},
		{"10.1.2.3", "private"},
		{"172.16.0.1", "private"},
		{"172.31.255.254", "private"},
		{"192.168.1.1", "private"},
		{"fc00::1", "private"},
		{"fd12:3456::1", "private"},
		{"100.64.0.1", "carrier-grade NAT"},
		{"100.127.255.254", "carrier-grade NAT"},
		{"0.0.0.0", "unspecified"},
		{"::", "unspecified"},
		{"0.1.2.3", "reserved"},
		{"224.0.0.251", "multicast"},
		{"239.255.255.250", "multicast"},
		{"ff02::1", "multicast"},
		{"240.0.0.1", "reserved"},
		{"255.255.255.255", "reserved"},
		{"192.0.0.8", "reserved"},
		{"198.18.0.1", "reserved"},
		{"100::1", "reserved"},
		{"2002:7f00:1::1", "reserved"},
		{"fec0::1", "reserved"},
		{"::7f00:1", "reserved"}, // IPv4-compatible, long deprecated
		{"192.0.2.10", "documentation"},
		{"198.51.100.10", "documentation"},
		{"203.0.113.10", "documentation"},
		{"2001:db8::1", "documentation"},
		{"3fff::1", "documentation"},
		{"169.254.169.254", "link-local"},
		{"fe80::1", "link-local"},
		// IPv4-mapped and NAT64 forms reach the IPv4 address they carry.
		{"::ffff:127.0.0.1", "loopback"},
		{"::ffff:10.0.0.1", "private"},
		{"::ffff:169.254.169.254", "link-local"},
		{"::ffff:100.64.0.1", "carrier-grade NAT"},
		{"64:ff9b::a9fe:a9fe", "link-local"},
		{"64:ff9b::7f00:1", "loopback"},
	}
	g := guard{}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			err := g.check("hook.example.com", joinPort(tt.addr), false)
			r, ok := Refused(err)
			if !ok {
				t.Fatalf("check(%s) = %v, want refused as %s", tt.addr, err, tt.kind)
			}
			if r.Kind != tt.kind {
				t.Errorf("kind = %q, want %q", r.Kind, tt.kind)
			}
			if !strings.Contains(err.Error(), tt.addr) || !strings.Contains(err.Error(), "hook.example.com") ||
				!strings.Contains(err.Error(), "--allow-destinations") {
				t.Errorf("error %q does not name the address, the host and the setting", err)
			}
		})
	}
}

func TestGuardAdmitsPublicAddresses(t *testing.T) {
	for _, addr := range []string{"1.1.1.1", "93.184.215.14", "172.32.0.1", "100.128.0.1", "192.169.0.1", "2606:4700::1111", "::ffff:1.1.1.1", "64:ff9b::101:101"} {
		if err := (guard{}).check("h", joinPort(addr), false); err != nil {
			t.Errorf("check(%s) = %v, want admitted", addr, err)
		}
	}
}

func TestAllowListAdmits(t *testing.T) {
	allow, err := ParseAllowList(" 10.0.0.0/8, 127.0.0.1 ,fd00::/8, hooks.internal, .corp.example, Mixed.Case.Example. ")
	if err != nil {
		t.Fatal(err)
	}
	g := guard{allow: allow}
	tests := []struct {
		host, addr string
		admitted   bool
	}{
		{"a.example.com", "10.9.8.7", true},
		{"a.example.com", "::ffff:10.9.8.7", true}, // the mapped form of an admitted IPv4
		{"a.example.com", "127.0.0.1", true},
		{"a.example.com", "127.0.0.2", false},
		{"a.example.com", "fd00::5", true},
		{"a.example.com", "192.168.0.1", false},
		{"hooks.internal", "192.168.0.1", true},            // admitted by name, whatever it resolves to
		{"HOOKS.internal.", "192.168.0.1", true},           // names compare without case or the root dot
		{"x.hooks.internal", "192.168.0.1", false},         // a plain name is not a suffix
		{"ci.corp.example", "172.16.0.1", true},            // .suffix admits the names below it
		{"deep.ci.corp.example", "172.16.0.1", true},       //
		{"corp.example", "172.16.0.1", false},              // but not the suffix itself
		{"evilcorp.example", "172.16.0.1", false},          // nor a name that only ends in the same letters
		{"mixed.case.example", "192.168.0.1", true},        //
		{"hooks.internal", "169.254.169.254", false},       // link-local: never, even by name
		{"ci.corp.example", "fe80::1", false},              //
		{"a.example.com", "::ffff:169.254.169.254", false}, //
	}
	for _, tt := range tests {
		err := g.check(tt.host, joinPort(tt.addr), allow.admitsName(tt.host))
		if got := err == nil; got != tt.admitted {
			t.Errorf("check(%s → %s) = %v, want admitted %v", tt.host, tt.addr, err, tt.admitted)
		}
	}
}

func TestAllowListEverythingStillRefusesLinkLocal(t *testing.T) {
	allow, err := ParseAllowList("0.0.0.0/0,::/0")
	if err != nil {
		t.Fatal(err)
	}
	g := guard{allow: allow}
	if err := g.check("h", joinPort("10.0.0.1"), false); err != nil {
		t.Errorf("10.0.0.1 = %v, want admitted", err)
	}
	for _, a := range []string{"169.254.169.254", "fe80::1"} {
		err := g.check("h", joinPort(a), false)
		if r, ok := Refused(err); !ok || r.Kind != "link-local" || !strings.Contains(err.Error(), "never") {
			t.Errorf("%s = %v, want refused as link-local", a, err)
		}
	}
}

func TestParseAllowListRejects(t *testing.T) {
	for _, in := range []string{"10.0.0.0/33", "300.1.1.1", "169.254.169.254", "169.254.0.0/16", "fe80::/10", "fe80::1", "bad name", "a..b", "-", "http://x"} {
		if _, err := ParseAllowList(in); err == nil {
			t.Errorf("ParseAllowList(%q) = nil error", in)
		}
	}
	if a, err := ParseAllowList(""); err != nil || a.admitsAddr(mustAddr("127.0.0.1")) {
		t.Errorf("empty list: %v, admits 127.0.0.1: %v", err, a.admitsAddr(mustAddr("127.0.0.1")))
	}
}

func TestRefusedIsItsOwnFinalClass(t *testing.T) {
	err := (guard{}).check("h", "127.0.0.1:80", false)
	for _, wrapped := range []error{err, RequestError("Error sending webhook", err), Transient(errorsJoin(err), 0), Permanent(err)} {
		if c, _ := Classify(wrapped); c != ClassRefused || !c.Final() || c.String() != "refused" {
			t.Errorf("Classify(%v) = %v", wrapped, c)
		}
	}
	if ClassTransient.Final() || !ClassPermanent.Final() {
		t.Error("Final: transient must retry, permanent must not")
	}
}

func errorsJoin(err error) error { return errors.Join(errors.New("connect"), err) }

func joinPort(addr string) string { return netip.AddrPortFrom(mustAddr(addr), 443).String() }

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }
