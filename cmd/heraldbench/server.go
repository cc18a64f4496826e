package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/herald-notify/herald/internal/service"
	"github.com/herald-notify/herald/notify"
)

// server is the Herald under test.
type server struct {
	url      string   // the first instance's
	urls     []string // every instance's (--url A,B): clients split between them
	pid      int      // 0: not ours (--url), so no memory figures
	pids     []int    // --server-pid: whose CPU counts as the server's
	dbPath   string   // its SQLite file when we started it
	password string
	logPath  string
	stop     func() error
}

func randomText(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// startServer starts Herald as --herald or --in-process say, or names --url's.
func startServer(ctx context.Context, o options) (*server, error) {
	if o.url != "" {
		s := &server{password: o.password, stop: func() error { return nil }}
		for _, u := range strings.Split(o.url, ",") {
			s.urls = append(s.urls, strings.TrimRight(strings.TrimSpace(u), "/"))
		}
		s.url = s.urls[0]
		for _, p := range strings.Split(o.serverPIDs, ",") {
			if pid, err := strconv.Atoi(strings.TrimSpace(p)); err == nil {
				s.pids = append(s.pids, pid)
			}
		}
		return s, nil
	}
	dir := o.dataDir
	cleanup := func() {}
	if dir == "" {
		d, err := os.MkdirTemp("", "heraldbench-")
		if err != nil {
			return nil, err
		}
		dir, cleanup = d, func() { os.RemoveAll(d) }
	}
	s := &server{dbPath: filepath.Join(dir, "herald.db"), password: randomText(12), logPath: filepath.Join(dir, "herald.log")}
	var err error
	if o.inProcess {
		err = s.startInProcess(ctx, dir)
	} else {
		err = s.startProcess(o, dir)
	}
	if err != nil {
		cleanup()
		return nil, err
	}
	stop := s.stop
	s.stop = func() error { err := stop(); cleanup(); return err }
	return s, nil
}

// startProcess runs `herald serve` and reads its address from the ready line.
func (s *server) startProcess(o options, dir string) error {
	logFile, err := os.Create(s.logPath)
	if err != nil {
		return err
	}
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dir}, o.serveArgs...)
	cmd := exec.Command(o.herald, args...)
	// The sink is on 127.0.0.1, which the destination guard refuses unless admitted.
	cmd.Env = append(os.Environ(), "HERALD_ADMIN_PASSWORD="+s.password, "HERALD_ALLOW_DESTINATIONS=127.0.0.1,::1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(logFile, line)
			if i := strings.Index(line, "addr=http://"); i >= 0 && strings.Contains(line, "herald ready") {
				select {
				case ready <- strings.Fields(line[i+len("addr="):])[0]:
				default:
				}
			}
		}
		io.Copy(logFile, stderr)
		exited <- cmd.Wait()
		logFile.Close()
	}()
	select {
	case s.url = <-ready:
	case err := <-exited:
		return fmt.Errorf("herald serve exited before it was ready (%v); see %s", err, s.logPath)
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		return fmt.Errorf("herald serve not ready within a minute; see %s", s.logPath)
	}
	s.pid = cmd.Process.Pid
	s.stop = func() error {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			return err
		case <-time.After(time.Minute):
			cmd.Process.Kill()
			return <-exited
		}
	}
	return nil
}

// startInProcess runs the service in this process, as `herald serve` does.
func (s *server) startInProcess(ctx context.Context, dir string) error {
	loopback, err := notify.ParseAllowList("127.0.0.1,::1")
	if err != nil {
		return err
	}
	svc, err := service.Open(ctx, service.Config{
		DatabaseURL: "sqlite:" + s.dbPath, SecretKey: randomText(32), AdminPassword: s.password, BaseURL: "http://bench.invalid",
		Env: notify.Env{Allow: loopback}, // the sink is on 127.0.0.1
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		svc.Close()
		return err
	}
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan error, 1)
	go func() { done <- svc.Serve(sctx, ln) }()
	s.url, s.pid = "http://"+ln.Addr().String(), os.Getpid()
	s.stop = func() error { cancel(); err := <-done; svc.Close(); return err }
	return nil
}

// cpu reads the CPU time the server's process has used so far (user and
// system, every thread). In-process it includes the load generator.
func (s *server) cpu() (time.Duration, bool) {
	if len(s.pids) > 0 {
		return pidsCPU(s.pids)
	}
	if s.pid == 0 {
		return 0, false
	}
	return processCPU(s.pid)
}

// pidsCPU sums the CPU time of processes; false when one cannot be read.
func pidsCPU(pids []int) (time.Duration, bool) {
	var sum time.Duration
	for _, pid := range pids {
		d, ok := processCPU(pid)
		if !ok {
			return 0, false
		}
		sum += d
	}
	return sum, true
}

// processCPU reads the CPU time process pid has used so far.
func processCPU(pid int) (time.Duration, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// The command name may hold spaces: fields count from its closing parenthesis.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 13 {
		return 0, false
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	const ticks = 100 // USER_HZ, 100 on every Linux this runs on
	return time.Duration(utime+stime) * time.Second / ticks, true
}

// memory reads the server's resident set now and at its peak, in MiB.
func (s *server) memory() (rss, peak float64, ok bool) {
	if s.pid == 0 {
		return 0, 0, false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.pid))
	if err != nil {
		return 0, 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "VmRSS:":
			rss = kb / 1024
		case "VmHWM:":
			peak = kb / 1024
		}
	}
	return rss, peak, true
}
