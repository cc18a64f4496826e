package main

import (
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/herald-notify/herald/notify"
)

// settings binds flags to HERALD_* variables: a flag given on the command
// line wins, then the variable, then the default. --help shows all three.
type settings struct {
	fs     *flag.FlagSet
	getenv func(string) string
	vars   map[string]string // flag name → variable
	errs   []error
	name   string    // the subcommand, for messages
	intro  string    // the first part of --help
	stdout io.Writer // where --help goes
}

// newSettings makes the flags of one subcommand. --help prints intro and
// the flags on stdout (asked for, so not an error); a bad flag is one line
// on stderr, through the configuration error that parse returns.
func newSettings(name string, getenv func(string) string, stdout io.Writer, intro string) *settings {
	s := &settings{fs: flag.NewFlagSet(name, flag.ContinueOnError), getenv: getenv, vars: map[string]string{}, name: name, stdout: stdout}
	s.fs.SetOutput(io.Discard)
	s.fs.Usage = func() {}
	s.intro = intro
	return s
}

// usage writes the help text: intro, then every flag with its variable and default.
func (s *settings) usage(w io.Writer) {
	fmt.Fprintf(w, "%s\n\nFlags (each also read from its environment variable):\n", s.intro)
	s.fs.VisitAll(func(f *flag.Flag) {
		def := ""
		if !strings.Contains(f.Usage, "(default") {
			def = fmt.Sprintf(" (default %q)", f.DefValue)
		}
		fmt.Fprintf(w, "  --%-22s %-28s %s%s\n", f.Name, "$"+s.vars[f.Name], f.Usage, def)
	})
}

func (s *settings) env(name, variable string) (string, bool) {
	s.vars[name] = variable
	v := s.getenv(variable)
	return v, v != ""
}

func (s *settings) String(name, variable, def, usage string) *string {
	if v, ok := s.env(name, variable); ok {
		p := s.fs.String(name, v, usage)
		s.fs.Lookup(name).DefValue = def
		return p
	}
	return s.fs.String(name, def, usage)
}

func (s *settings) Int(name, variable string, def int, usage string) *int {
	if v, ok := s.env(name, variable); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			s.errs = append(s.errs, fmt.Errorf("%s=%q: not a whole number", variable, v))
		}
		p := s.fs.Int(name, n, usage)
		s.fs.Lookup(name).DefValue = strconv.Itoa(def)
		return p
	}
	return s.fs.Int(name, def, usage)
}

func (s *settings) Duration(name, variable string, def time.Duration, usage string) *time.Duration {
	if v, ok := s.env(name, variable); ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			s.errs = append(s.errs, fmt.Errorf("%s=%q: not a duration (like 30s, 500ms, 5m)", variable, v))
		}
		p := s.fs.Duration(name, d, usage)
		s.fs.Lookup(name).DefValue = def.String()
		return p
	}
	return s.fs.Duration(name, def, usage)
}

// AllowList binds the destination guard's allow list (--allow-destinations);
// a list that does not parse is a config error naming the flag or variable.
func (s *settings) AllowList(name, variable, usage string) **notify.AllowList {
	p := new(*notify.AllowList)
	*p, _ = notify.ParseAllowList("")
	set := func(v string) error {
		a, err := notify.ParseAllowList(v)
		if err == nil {
			*p = a
		}
		return err
	}
	if v, ok := s.env(name, variable); ok {
		if err := set(v); err != nil {
			s.errs = append(s.errs, fmt.Errorf("%s=%q: %v", variable, v, err))
		}
	}
	s.fs.Func(name, usage, set)
	return p
}

// parse parses args; errors in variables come first, as a config error.
// For --help it prints the help on stdout and returns flag.ErrHelp.
func (s *settings) parse(args []string) error {
	if err := s.fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			s.usage(s.stdout)
			return err
		}
		return configErrorf("%v (see herald %s --help)", err, s.name)
	}
	if len(s.errs) > 0 {
		return configErrorf("%v", s.errs[0])
	}
	return nil
}

// Seconds is a duration that also takes a plain number of seconds ("10",
// "2.5"), as the Ansible callback reads the same HERALD_TIMEOUT.
func (s *settings) Seconds(name, variable string, def time.Duration, usage string) *time.Duration {
	v := secondsValue(def)
	if text, ok := s.env(name, variable); ok {
		if err := v.Set(text); err != nil {
			s.errs = append(s.errs, fmt.Errorf("%s=%q: not a duration (like 10s, 500ms) or a number of seconds", variable, text))
		}
	}
	s.fs.Var(&v, name, usage)
	s.fs.Lookup(name).DefValue = def.String()
	return (*time.Duration)(&v)
}

type secondsValue time.Duration

func (v *secondsValue) String() string { return time.Duration(*v).String() }

func (v *secondsValue) Set(text string) error {
	if f, err := strconv.ParseFloat(text, 64); err == nil && f >= 0 {
		*v = secondsValue(f * float64(time.Second))
		return nil
	}
	d, err := time.ParseDuration(text)
	if err != nil || d < 0 {
		return fmt.Errorf("not a duration or a number of seconds")
	}
	*v = secondsValue(d)
	return nil
}

// noArgs refuses words left after the flags: the flag package stops at the
// first one, so every flag after a stray word would be silently dropped.
func (s *settings) noArgs() error {
	if s.fs.NArg() > 0 {
		return configErrorf("unexpected argument %q: herald %s takes only flags (see herald %s --help)", s.fs.Arg(0), s.name, s.name)
	}
	return nil
}
