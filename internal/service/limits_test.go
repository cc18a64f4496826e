package service_test

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/herald-notify/herald/internal/heraldtest"
	"github.com/herald-notify/herald/internal/service"
)

// slowClient opens a connection and sends a request's headers one line at
// a time, never finishing them; cut is closed once the server hangs up.
func slowClient(t *testing.T, addr string) (cut chan struct{}) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	cut = make(chan struct{})
	go func() {
		defer close(cut)
		c.Read(make([]byte, 1)) // returns when the server closes the connection
	}()
	go func() {
		fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: herald\r\n")
		for i := 0; ; i++ {
			select {
			case <-cut:
				return
			case <-time.After(100 * time.Millisecond):
			}
			if _, err := fmt.Fprintf(c, "X-Slow-%d: x\r\n", i); err != nil {
				return
			}
		}
	}()
	return cut
}

// Slow senders holding every connection the server allows are cut after
// the header timeout, and the client waiting behind them is then answered.
func TestSlowHeaderClientsAreCut(t *testing.T) {
	const limit = 4
	srv := heraldtest.Start(t, heraldtest.Options{HTTP: service.HTTPLimits{MaxConnections: limit, ReadHeaderTimeout: time.Second}})
	addr := strings.TrimPrefix(srv.URL, "http://")
	var cuts []chan struct{}
	for range limit {
		cuts = append(cuts, slowClient(t, addr))
	}
	answered := make(chan error, 1)
	go func() {
		resp, err := (&http.Client{Timeout: time.Minute}).Get(srv.URL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				err = fmt.Errorf("status %d", resp.StatusCode)
			}
		}
		answered <- err
	}()
	for i, cut := range cuts {
		select {
		case <-cut:
		case <-time.After(time.Minute):
			t.Fatalf("slow client %d still connected after a minute (header timeout 1s)", i)
		}
	}
	if err := <-answered; err != nil {
		t.Errorf("the client behind the slow ones: %v", err)
	}
}
