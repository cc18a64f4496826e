// Package notifytest holds what the tests of notifier types share: their
// receivers listen on 127.0.0.1, which the destination guard refuses unless
// told otherwise.
package notifytest

import (
	"net"
	"sync/atomic"
	"testing"

	"github.com/herald-notify/herald/notify"
)

// Loopback is the allow list that admits 127.0.0.1 and ::1, as
// --allow-destinations=127.0.0.1,::1 does.
func Loopback() *notify.AllowList {
	a, err := notify.ParseAllowList("127.0.0.1,::1")
	if err != nil {
		panic(err)
	}
	return a
}

// Listener is a TCP listener on 127.0.0.1 that counts the connections it
// accepts (and closes them): a test of a refused destination checks that
// nothing connected.
func Listener(t testing.TB) (host string, port int, accepted func() int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var n atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			c.Close()
		}
	}()
	a := ln.Addr().(*net.TCPAddr)
	return a.IP.String(), a.Port, n.Load
}
