// Package dns is a small authoritative DNS server on 127.0.0.1 (UDP) that
// answers A and AAAA queries from a fixed table, so tests can give a host
// name any address (127.0.0.1, say) without touching /etc/hosts, and a
// net.Resolver that asks it.
package dns

import (
	"context"
	"encoding/binary"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
)

// Server answers for the names in its table; any other name is NXDOMAIN.
type Server struct {
	pc      net.PacketConn
	mu      sync.Mutex
	records map[string][]netip.Addr
	queries int
}

// Start serves records (name → addresses) until the test ends.
func Start(t testing.TB, records map[string][]netip.Addr) *Server {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{pc: pc, records: map[string][]netip.Addr{}}
	for name, addrs := range records {
		s.records[canonical(name)] = addrs
	}
	done := make(chan struct{})
	go func() { defer close(done); s.serve() }()
	t.Cleanup(func() { pc.Close(); <-done })
	return s
}

// Addr is where the server listens.
func (s *Server) Addr() string { return s.pc.LocalAddr().String() }

// Queries counts the questions answered so far.
func (s *Server) Queries() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queries
}

// Resolver asks this server and nothing else (no /etc/hosts entry is
// needed; the names used in tests are under .test, which no hosts file has).
func (s *Server) Resolver() *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", s.Addr())
	}}
}

func canonical(name string) string { return strings.ToLower(strings.TrimSuffix(name, ".")) + "." }

func (s *Server) serve() {
	buf := make([]byte, 1500)
	for {
		n, from, err := s.pc.ReadFrom(buf)
		if err != nil {
			return
		}
		if reply := s.answer(buf[:n]); reply != nil {
			_, _ = s.pc.WriteTo(reply, from)
		}
	}
}

const (
	typeA    = 1
	typeAAAA = 28
)

// answer builds the reply to one query (RFC 1035 §4): the header and the
// question echoed, then one answer record per address of the asked type.
func (s *Server) answer(q []byte) []byte {
	if len(q) < 12 || binary.BigEndian.Uint16(q[4:6]) != 1 {
		return nil
	}
	// The question: labels up to the root, then type and class.
	var labels []string
	i := 12
	for {
		if i >= len(q) {
			return nil
		}
		l := int(q[i])
		i++
		if l == 0 {
			break
		}
		if l > 63 || i+l > len(q) {
			return nil
		}
		labels = append(labels, string(q[i:i+l]))
		i += l
	}
	if i+4 > len(q) {
		return nil
	}
	qtype := binary.BigEndian.Uint16(q[i : i+2])
	question := q[12 : i+4]
	name := canonical(strings.Join(labels, "."))

	s.mu.Lock()
	s.queries++
	addrs, known := s.records[name]
	s.mu.Unlock()

	var answers [][]byte
	for _, a := range addrs {
		var rdata []byte
		switch {
		case qtype == typeA && a.Is4():
			b := a.As4()
			rdata = b[:]
		case qtype == typeAAAA && a.Is6() && !a.Is4In6():
			b := a.As16()
			rdata = b[:]
		default:
			continue
		}
		rr := []byte{0xc0, 12} // the name: a pointer to the question's
		rr = binary.BigEndian.AppendUint16(rr, qtype)
		rr = binary.BigEndian.AppendUint16(rr, 1) // class IN
		rr = binary.BigEndian.AppendUint32(rr, 0) // TTL: never cached
		rr = binary.BigEndian.AppendUint16(rr, uint16(len(rdata)))
		answers = append(answers, append(rr, rdata...))
	}
	flags := uint16(0x8400) // a response, authoritative
	flags |= binary.BigEndian.Uint16(q[2:4]) & 0x0100
	if !known {
		flags |= 3 // NXDOMAIN
	}
	out := make([]byte, 12, 12+len(question)+16*len(answers))
	copy(out[0:2], q[0:2])
	binary.BigEndian.PutUint16(out[2:4], flags)
	binary.BigEndian.PutUint16(out[4:6], 1)
	binary.BigEndian.PutUint16(out[6:8], uint16(len(answers)))
	out = append(out, question...)
	for _, a := range answers {
		out = append(out, a...)
	}
	return out
}
