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
	pids     []int    // --server-pid, or the instances we started: whose CPU counts as the server's
	dbPath   string   // its SQLite file when we started it on SQLite
	pgURL    string   // the database whose PostgreSQL CPU to report (--postgres's fresh one)
	cpuLimit float64  // --instance-cpu: each instance's cores, 0 for no limit
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
	if o.postgres != "" {
		return startInstances(ctx, o)
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
		err = s.startProcess(ctx, o, dir)
	}
	if err != nil {
		cleanup()
		return nil, err
	}
	stop := s.stop
	s.stop = func() error { err := stop(); cleanup(); return err }
	return s, nil
}

// startProcess runs `herald serve` on SQLite in dir, in a CPU-limited
// cgroup when --instance-cpu asks.
func (s *server) startProcess(ctx context.Context, o options, dir string) error {
	limit, err := newCPULimit(o.instanceCPU)
	if err != nil {
		return err
	}
	h, err := startHerald(ctx, o, dir, s.logPath, []string{"HERALD_ADMIN_PASSWORD=" + s.password}, limit.placer(0))
	if err != nil {
		limit.remove()
		return err
	}
	s.url, s.pid, s.cpuLimit = h.url, h.pid, o.instanceCPU
	s.stop = func() error { err := h.stop(); limit.remove(); return err }
	return nil
}

// herald is one `herald serve` process we started.
type herald struct {
	url  string
	pid  int
	stop func() error // SIGTERM, then wait for it to exit
}

// startHerald runs `herald serve` on dir with env added, hands its pid to
// place (nil: nowhere) and reads its address from the ready line.
func startHerald(ctx context.Context, o options, dir, logPath string, env []string, place func(pid int) error) (*herald, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dir}, o.serveArgs...)
	cmd := exec.Command(o.herald, args...)
	// The sink is on 127.0.0.1, which the destination guard refuses unless admitted.
	cmd.Env = append(append(os.Environ(), "HERALD_ALLOW_DESTINATIONS=127.0.0.1,::1"), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		logFile.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
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
	kill := func() { cmd.Process.Kill(); <-exited }
	if place != nil {
		// Placed before it is ready, so that its start-up counts against the limit too.
		if err := place(cmd.Process.Pid); err != nil {
			kill()
			return nil, err
		}
	}
	h := &herald{pid: cmd.Process.Pid}
	select {
	case h.url = <-ready:
	case err := <-exited:
		return nil, fmt.Errorf("herald serve exited before it was ready (%v); see %s", err, logPath)
	case <-ctx.Done():
		kill()
		return nil, ctx.Err()
	case <-time.After(time.Minute):
		kill()
		return nil, fmt.Errorf("herald serve not ready within a minute; see %s", logPath)
	}
	h.stop = func() error {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			return err
		case <-time.After(time.Minute):
			cmd.Process.Kill()
			return <-exited
		}
	}
	return h, nil
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

// memory reads the server's resident set now and at its peak, in MiB,
// summed over the instances when we started several.
func (s *server) memory() (rss, peak float64, ok bool) {
	if s.pid == 0 {
		return 0, 0, false
	}
	pids := s.pids
	if len(pids) == 0 {
		pids = []int{s.pid}
	}
	for _, pid := range pids {
		r, p, ok := processMemory(pid)
		if !ok {
			return 0, 0, false
		}
		rss, peak = rss+r, peak+p
	}
	return rss, peak, true
}

// processMemory reads process pid's resident set now and at its peak, in MiB.
func processMemory(pid int) (rss, peak float64, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
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
