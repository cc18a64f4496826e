package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
)

// commands are the subcommands, as completion offers them.
var commands = []struct{ name, about string }{
	{"serve", "run the API, the web console and the delivery workers"},
	{"run", "run a command as a job and report it to a running server"},
	{"import", "import what awx export wrote: import awx FILE"},
	{"admin", "operator commands: admin reset-password USERNAME"},
	{"version", "print the version, the commit and the Go version"},
	{"healthcheck", "exit 0 if the server answers /healthz"},
	{"completion", "print shell completion for bash or zsh"},
	{"help", "show the commands"},
}

// flagLine is one flag line of a subcommand's --help (flags.go writes them).
var flagLine = regexp.MustCompile(`(?m)^  --([a-z0-9-]+)\s+\S+\s+(.*)$`)

type flagDoc struct{ name, about string }

// flagsOf reads a subcommand's flags from its own --help, so that
// completion never lists a flag that a subcommand does not have, nor misses one.
func flagsOf(ctx context.Context, cmd string) []flagDoc {
	var help bytes.Buffer
	run(ctx, []string{cmd, "--help"}, func(string) string { return "" }, &help, io.Discard)
	var out []flagDoc
	for _, m := range flagLine.FindAllStringSubmatch(help.String(), -1) {
		out = append(out, flagDoc{m[1], m[2]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// completion is `herald completion bash|zsh`.
func completion(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 1 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
		fmt.Fprint(stdout, "Usage: herald completion bash|zsh\n\nPrints shell completion for herald:\n  bash: source <(herald completion bash)     (e.g. in ~/.bashrc)\n  zsh:  source <(herald completion zsh)      (after compinit, e.g. in ~/.zshrc)\n")
		return nil
	}
	if len(args) != 1 {
		return configErrorf("herald completion takes one argument: bash or zsh")
	}
	var withFlags []string
	flags := map[string][]flagDoc{}
	for _, c := range commands {
		if f := flagsOf(ctx, c.name); len(f) > 0 && c.name != "completion" {
			withFlags = append(withFlags, c.name)
			flags[c.name] = f
		}
	}
	switch args[0] {
	case "bash":
		fmt.Fprint(stdout, bashCompletion(withFlags, flags))
	case "zsh":
		fmt.Fprint(stdout, zshCompletion(withFlags, flags))
	default:
		return configErrorf("herald completion: unknown shell %q: use bash or zsh", args[0])
	}
	return nil
}

func bashCompletion(withFlags []string, flags map[string][]flagDoc) string {
	var b strings.Builder
	names := make([]string, len(commands))
	for i, c := range commands {
		names[i] = c.name
	}
	b.WriteString("# bash completion for herald: source <(herald completion bash)\n")
	b.WriteString("_herald() {\n")
	b.WriteString("    local cur=\"${COMP_WORDS[COMP_CWORD]}\" i\n")
	b.WriteString("    COMPREPLY=()\n")
	fmt.Fprintf(&b, "    if [ \"$COMP_CWORD\" -eq 1 ]; then\n        COMPREPLY=($(compgen -W %q -- \"$cur\"))\n        return\n    fi\n", strings.Join(names, " "))
	b.WriteString("    # After -- (herald run -- COMMAND) the words are the command's.\n")
	b.WriteString("    for ((i = 2; i < COMP_CWORD; i++)); do [ \"${COMP_WORDS[i]}\" = -- ] && return; done\n")
	b.WriteString("    case \"${COMP_WORDS[1]}\" in\n")
	for _, c := range withFlags {
		var fl []string
		for _, f := range flags[c] {
			fl = append(fl, "--"+f.name)
		}
		fmt.Fprintf(&b, "    %s)\n        case \"$cur\" in -*) COMPREPLY=($(compgen -W %q -- \"$cur\")) ;; esac ;;\n", c, strings.Join(fl, " "))
	}
	b.WriteString("    completion)\n        [ \"$COMP_CWORD\" -eq 2 ] && COMPREPLY=($(compgen -W \"bash zsh\" -- \"$cur\")) ;;\n")
	b.WriteString("    esac\n}\n")
	b.WriteString("complete -o default -F _herald herald\n")
	return b.String()
}

// zshQuote makes text safe inside a single-quoted _arguments or _describe spec.
func zshQuote(s string) string {
	r := strings.NewReplacer("'", "", "[", "(", "]", ")", "\\", "")
	return r.Replace(s)
}

func zshCompletion(withFlags []string, flags map[string][]flagDoc) string {
	var b strings.Builder
	b.WriteString("#compdef herald\n# zsh completion for herald: source <(herald completion zsh), after compinit\n")
	b.WriteString("_herald() {\n    local -a commands\n    commands=(\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "        '%s:%s'\n", c.name, zshQuote(c.about))
	}
	b.WriteString("    )\n")
	b.WriteString("    if (( CURRENT == 2 )); then\n        _describe 'herald command' commands\n        return\n    fi\n")
	b.WriteString("    local cmd=$words[2]\n    shift words\n    (( CURRENT-- ))\n    case $cmd in\n")
	for _, c := range withFlags {
		fmt.Fprintf(&b, "    %s)\n        _arguments -S \\\n", c)
		for _, f := range flags[c] {
			fmt.Fprintf(&b, "            '--%s=[%s]:value:_files' \\\n", f.name, zshQuote(f.about))
		}
		if c == "run" {
			b.WriteString("            '*::command:_normal'\n        ;;\n")
		} else {
			b.WriteString("            && return\n        ;;\n")
		}
	}
	b.WriteString("    completion)\n        _values 'shell' bash zsh\n        ;;\n    esac\n}\n")
	b.WriteString("if [ \"$funcstack[1]\" = _herald ]; then\n    _herald \"$@\"\nelse\n    compdef _herald herald\nfi\n")
	return b.String()
}
