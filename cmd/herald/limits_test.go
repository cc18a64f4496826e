package main

// Hostile clients against the real binary: huge headers, connection floods.

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// procStatus reads a "VmRSS"-like field of /proc/<pid>/status, in KiB.
func procStatus(t *testing.T, pid int, field string) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// openFiles counts the process' open descriptors.
func openFiles(t *testing.T, pid int) int {
	t.Helper()
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	return len(ents)
}

// bigHeaderRequest sends a request with a header of size bytes and returns
// the status the server answered, 0 when it cut the connection before any
// answer arrived.
func bigHeaderRequest(addr string, size int) (int, error) {
	c, err := net.DialTimeout("tcp", addr, 30*time.Second)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Minute))
	status := make(chan int, 1)
	go func() {
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			status <- 0
			return
		}
		resp.Body.Close()
		status <- resp.StatusCode
	}()
	fmt.Fprintf(c, "GET /api/v1/ping/ HTTP/1.1\r\nHost: herald\r\nX-Big: ")
	chunk := bytes.Repeat([]byte("a"), 32<<10)
	for sent := 0; sent < size; sent += len(chunk) {
		if _, err := c.Write(chunk); err != nil {
			break // the server stopped reading: refused
		}
	}
	c.Write([]byte("\r\n\r\n"))
	return <-status, nil
}

// Go's default (1 MiB of headers, no cap on connections) let 1,000 clients
// sending 1 MB headers take the server to 1.24 GB of RSS (issue 16).
func TestHugeHeadersAreRefusedAndMemoryStaysBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	p := mustServe(t, nil, "--data-dir", t.TempDir())
	pid := p.cmd.Process.Pid
	addr := strings.TrimPrefix(p.url, "http://")
	before := procStatus(t, pid, "VmRSS")

	const clients, size = 1000, 1_000_000
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := bigHeaderRequest(addr, size)
			if err != nil {
				st = -1
			}
			mu.Lock()
			statuses[st]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	peak, after := procStatus(t, pid, "VmHWM"), procStatus(t, pid, "VmRSS")
	t.Logf("%d clients × %d-byte header: answers %v; server RSS %d KiB before, peak %d KiB, %d KiB after",
		clients, size, statuses, before, peak, after)
	for st, n := range statuses {
		if st != http.StatusRequestHeaderFieldsTooLarge && st != 0 {
			t.Errorf("%d clients got %d, want 431 (or the connection cut)", n, st)
		}
	}
	if statuses[http.StatusRequestHeaderFieldsTooLarge] == 0 {
		t.Errorf("no client was told 431")
	}
	// Each connection may hold the 64 KiB of headers it is allowed and its
	// buffers: 1,000 of them fit in about 150 MiB; 1 MB each took 380 MiB to 1.2 GiB.
	if peak > 256<<10 {
		t.Errorf("peak RSS %d MiB, want under 256 MiB", peak>>10)
	}
	// A header of an ordinary size still passes.
	if st, err := bigHeaderRequest(addr, 8<<10); err != nil || st != http.StatusOK {
		t.Errorf("an 8 KiB header: %d, %v; want 200", st, err)
	}
}

// 20,000 plain connects ran the process out of descriptors (issue 16): past
// --max-connections they wait in the kernel's queue and cost it nothing.
func TestConnectFloodStaysUnderTheCap(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	const limit, flood = 100, 3000
	p := mustServe(t, nil, "--data-dir", t.TempDir(), "--max-connections", strconv.Itoa(limit))
	pid := p.cmd.Process.Pid
	addr := strings.TrimPrefix(p.url, "http://")
	idle := openFiles(t, pid)

	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range flood {
		c, err := net.DialTimeout("tcp", addr, 10*time.Second)
		if err != nil {
			break // the kernel's queue is full: refused, which is fine
		}
		conns = append(conns, c)
	}
	// Accepting is asynchronous: give the server the chance to take more
	// than it should, then count what it holds.
	time.Sleep(500 * time.Millisecond)
	held := openFiles(t, pid)
	t.Logf("%d connects made; server descriptors %d idle, %d under the flood (cap %d)", len(conns), idle, held, limit)
	if len(conns) <= limit {
		t.Fatalf("only %d connects got through; the test needs more than the cap", len(conns))
	}
	if held > idle+limit {
		t.Errorf("server holds %d descriptors under the flood, want at most %d (idle) + %d (the cap)", held, idle, limit)
	}
	for _, c := range conns {
		c.Close()
	}
	conns = nil
	if _, err := p.expect(http.StatusOK, "GET", "/api/v1/ping/", nil); err != nil {
		t.Errorf("after the flood: %v", err)
	}
}
