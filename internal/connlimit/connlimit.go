// Package connlimit caps the connections a server holds open at once, and
// raises the process' descriptor limit so that the cap can be reached.
//
// Past the cap, Accept waits for a connection to close: the ones beyond it
// stay in the kernel's listen queue, costing the process no descriptor and
// no memory, and are served in turn (or refused by the kernel once its
// queue is full). It is golang.org/x/net/netutil.LimitListener's idea, in
// the few lines it takes, so that no dependency comes in for it.
package connlimit

import (
	"net"
	"sync"
)

// Listen returns ln with at most n connections open at once.
func Listen(ln net.Listener, n int) net.Listener {
	return &listener{Listener: ln, slots: make(chan struct{}, n), done: make(chan struct{})}
}

type listener struct {
	net.Listener
	slots     chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

func (l *listener) Accept() (net.Conn, error) {
	select {
	case l.slots <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	return &conn{Conn: c, release: func() { <-l.slots }}, nil
}

func (l *listener) Close() error {
	err := l.Listener.Close()
	l.closeOnce.Do(func() { close(l.done) })
	return err
}

// conn gives its slot back once, however often it is closed.
type conn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *conn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
