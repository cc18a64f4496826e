package main

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// cpuLimit puts each started instance in a cgroup of its own capped at
// cores CPUs, so that instances sharing this machine with PostgreSQL and
// the load generator stand for instances on hosts of their own. Linux
// only, and it needs write access to the cgroup file system.
type cpuLimit struct {
	cores float64
	root  string // where the cgroups are made
	v2    bool
	tag   string // tells this run's cgroups from another's
	dirs  []string
}

const cfsPeriod = 100000 // µs, the kernel's default period

// newCPULimit finds a cgroup hierarchy with the cpu controller; nil when
// cores is 0 (no limit).
func newCPULimit(cores float64) (*cpuLimit, error) {
	if cores == 0 {
		return nil, nil
	}
	l := &cpuLimit{cores: cores, tag: randomText(4)}
	if b, err := os.ReadFile("/sys/fs/cgroup/cgroup.controllers"); err == nil && slices.Contains(strings.Fields(string(b)), "cpu") {
		l.root, l.v2 = "/sys/fs/cgroup", true
		// A child has cpu.max only once its parent hands the controller down.
		sub, _ := os.ReadFile(filepath.Join(l.root, "cgroup.subtree_control"))
		if !slices.Contains(strings.Fields(string(sub)), "cpu") {
			if err := os.WriteFile(filepath.Join(l.root, "cgroup.subtree_control"), []byte("+cpu"), 0o644); err != nil {
				return nil, fmt.Errorf("--instance-cpu: enabling the cpu controller for children of %s: %w", l.root, err)
			}
		}
		return l, nil
	}
	if _, err := os.Stat("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"); err == nil {
		l.root = "/sys/fs/cgroup/cpu"
		return l, nil
	}
	return nil, errors.New("--instance-cpu needs Linux cgroups with the cpu controller: found neither cgroup v2 " +
		"(/sys/fs/cgroup/cgroup.controllers listing cpu) nor a v1 cpu hierarchy (/sys/fs/cgroup/cpu)")
}

// placer returns what moves instance i into its cgroup; nil without a limit.
func (l *cpuLimit) placer(i int) func(pid int) error {
	if l == nil {
		return nil
	}
	return func(pid int) error { return l.place(i, pid) }
}

// place makes instance i's cgroup, sets its quota and moves pid into it.
func (l *cpuLimit) place(i, pid int) error {
	dir := filepath.Join(l.root, fmt.Sprintf("heraldbench-%s-%d", l.tag, i))
	if err := os.Mkdir(dir, 0o755); err != nil {
		return fmt.Errorf("--instance-cpu needs write access to the cgroup file system: %w", err)
	}
	l.dirs = append(l.dirs, dir)
	quota := strconv.Itoa(int(math.Round(l.cores * cfsPeriod)))
	settings := [][2]string{{"cpu.cfs_period_us", strconv.Itoa(cfsPeriod)}, {"cpu.cfs_quota_us", quota}}
	if l.v2 {
		settings = [][2]string{{"cpu.max", quota + " " + strconv.Itoa(cfsPeriod)}}
	}
	for _, kv := range settings {
		if err := os.WriteFile(filepath.Join(dir, kv[0]), []byte(kv[1]), 0o644); err != nil {
			return fmt.Errorf("--instance-cpu: %w", err)
		}
	}
	// cgroup.procs moves every thread of the process at once.
	err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0o644)
	if err != nil && !l.v2 {
		err = moveThreads(dir, pid)
	}
	if err != nil {
		return fmt.Errorf("--instance-cpu: moving pid %d into %s: %w", pid, dir, err)
	}
	return nil
}

// moveThreads is v1's fallback: its tasks file takes one thread at a time,
// and a Go process has several already.
func moveThreads(dir string, pid int) error {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		return err
	}
	for _, t := range tasks {
		if err := os.WriteFile(filepath.Join(dir, "tasks"), []byte(t.Name()), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// remove deletes the cgroups; call it after the instances exited. The
// kernel may take a moment to let go of an exited process, so it retries.
func (l *cpuLimit) remove() {
	if l == nil {
		return
	}
	for _, dir := range l.dirs {
		var err error
		for range 50 {
			if err = os.Remove(dir); err == nil || errors.Is(err, os.ErrNotExist) {
				err = nil
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "heraldbench: removing cgroup:", err)
		}
	}
	l.dirs = nil
}
