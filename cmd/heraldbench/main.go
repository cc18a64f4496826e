// Command heraldbench measures Herald end to end: it starts `herald serve`
// (or targets a running one with --url), makes job templates whose success
// list has webhook notifiers pointing at a sink it runs itself, drives jobs
// through the API with concurrent clients, and reports how fast and how
// late notifications reach the sink, what was lost or repeated, the
// server's peak memory and goroutines, and, as a yardstick, how fast a plain
// Go HTTP loop posts the same number of bodies to the same sink.
//
// --pending K instead fills the queue with K pending notifications for a
// receiver that is down and reports the server's memory while it holds them;
// --backlog K writes K pending notifications for the sink at once and times
// the delivery engine draining them, with no API request in the way.
//
// --postgres URL creates a fresh database on that PostgreSQL server and
// runs --instances N herald serve on it (each in a cgroup limited to
// --instance-cpu cores when given), and drops the database at the end.
//
// Every phase is bounded: the run stops by itself.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"time"
)

type options struct {
	herald, url, username, password, dataDir string
	serverPIDs, pgURL, postgres              string
	instances                                int
	instanceCPU                              float64
	serveArgs                                stringList
	templates, notifiers, jobs, clients      int
	skipRunning                              bool
	offeredRate                              float64
	timeout                                  time.Duration
	pending, pendingBatch, backlog           int
	observe                                  time.Duration
	inProcess                                bool
	cpuProfile                               string
}

type stringList []string

func (l *stringList) String() string     { return fmt.Sprint(*l) }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	if os.Getenv("GOGC") == "" {
		// The clients share the machine with the server: collect less often
		// so that they take less of it.
		debug.SetGCPercent(400)
	}
	var o options
	flag.StringVar(&o.herald, "herald", "", "path of the herald binary to run as `herald serve` (or --url, or --in-process)")
	flag.StringVar(&o.url, "url", "", "URL of a running Herald instead of starting one; several, comma-separated, split the clients between them (one database)")
	flag.StringVar(&o.serverPIDs, "server-pid", "", "with --url: comma-separated process ids of the instances, whose CPU is then reported")
	flag.StringVar(&o.pgURL, "pg-url", "", "PostgreSQL URL of the instances' database: report the CPU of its backends and the WAL writer as well")
	flag.StringVar(&o.postgres, "postgres", "", "with --herald: URL of a PostgreSQL server on which to create a fresh database for the instances (reporting its CPU as --pg-url does), dropped at the end")
	flag.IntVar(&o.instances, "instances", 1, "with --herald and --postgres: how many `herald serve` to start on the one database (the clients split between them)")
	flag.Float64Var(&o.instanceCPU, "instance-cpu", 0, "with --herald: limit each started instance to this many cores, in a cgroup of its own (Linux, needs write access to /sys/fs/cgroup)")
	flag.StringVar(&o.username, "username", "admin", "with --url: a superuser's name")
	flag.StringVar(&o.password, "password", os.Getenv("HERALD_PASSWORD"), "with --url: its password (default $HERALD_PASSWORD)")
	flag.StringVar(&o.dataDir, "data-dir", "", "data directory of the started server (default: a new temporary one, removed after)")
	flag.Var(&o.serveArgs, "serve-arg", "extra argument for `herald serve` (repeatable), e.g. --serve-arg=--workers=64")
	flag.IntVar(&o.templates, "templates", 50, "job templates")
	flag.IntVar(&o.notifiers, "notifiers", 1, "webhook notifiers on each template's success list (notifications per job)")
	flag.IntVar(&o.jobs, "jobs", 20000, "jobs to run (launch, running, successful)")
	flag.BoolVar(&o.skipRunning, "skip-running", false, "report each job successful straight from pending (docs/api.md §3 allows it): two API requests a job instead of three")
	flag.IntVar(&o.clients, "clients", 32, "concurrent API clients (and goroutines of the plain HTTP loop)")
	flag.Float64Var(&o.offeredRate, "offered-rate", 0, "jobs started per second (0: as fast as the clients go)")
	flag.DurationVar(&o.timeout, "timeout", 2*time.Minute, "how long to wait for deliveries after the last job; later ones count as lost")
	flag.IntVar(&o.pending, "pending", 0, "instead: insert this many pending notifications and report the server's memory")
	flag.IntVar(&o.backlog, "backlog", 0, "instead: write this many pending notifications for the sink at once, over --templates webhook notifiers, and time their delivery (the engine without the API)")
	flag.IntVar(&o.pendingBatch, "pending-batch", 20000, "rows per transaction in --pending")
	flag.DurationVar(&o.observe, "observe", 15*time.Second, "with --pending: how long to watch the server after inserting")
	flag.BoolVar(&o.inProcess, "in-process", false, "run the service inside this process (for --cpuprofile; memory figures then include the clients)")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of this process (use with --in-process)")
	flag.Parse()
	if err := o.check(); err != nil {
		fmt.Fprintln(os.Stderr, "heraldbench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "heraldbench:", err)
		os.Exit(1)
	}
}

func (o *options) check() error {
	modes := 0
	for _, set := range []bool{o.herald != "", o.url != "", o.inProcess} {
		if set {
			modes++
		}
	}
	switch {
	case modes != 1:
		return fmt.Errorf("give exactly one of --herald PATH, --url URL or --in-process")
	case o.templates < 1 || o.notifiers < 1 || o.jobs < 1 || o.clients < 1:
		return fmt.Errorf("--templates, --notifiers, --jobs and --clients must be positive")
	case o.pending > 0 && o.backlog > 0:
		return fmt.Errorf("give --pending or --backlog, not both")
	case (o.pending > 0 || o.backlog > 0) && (o.url != "" || o.postgres != ""):
		return fmt.Errorf("--pending and --backlog write into the server's SQLite file: start the server on SQLite (--herald or --in-process, without --postgres)")
	case o.herald == "" && (o.postgres != "" || o.instances != 1 || o.instanceCPU != 0):
		return fmt.Errorf("--postgres, --instances and --instance-cpu are for the servers heraldbench starts: use them with --herald")
	case o.instances < 1:
		return fmt.Errorf("--instances must be positive")
	case o.instances > 1 && o.postgres == "":
		return fmt.Errorf("--instances > 1 needs --postgres: SQLite serves one instance")
	case o.postgres != "" && o.pgURL != "":
		return fmt.Errorf("--postgres reports its fresh database's CPU itself: drop --pg-url")
	case o.instanceCPU < 0 || (o.instanceCPU > 0 && o.instanceCPU < 0.01):
		return fmt.Errorf("--instance-cpu must be at least 0.01 cores (or 0 for no limit)")
	case o.url != "" && o.password == "":
		return fmt.Errorf("--url needs --password (or HERALD_PASSWORD)")
	case o.cpuProfile != "" && !o.inProcess:
		return fmt.Errorf("--cpuprofile profiles this process: use it with --in-process")
	}
	return nil
}
