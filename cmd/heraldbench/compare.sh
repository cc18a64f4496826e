#!/bin/sh
# compare.sh BEFORE AFTER [POSTGRES_URL]: the runs behind the README's
# PostgreSQL tables, two rounds alternating two herald binaries so that both
# see the same machine. Each run's report goes to ./compare-<run>.txt.
#
#   go build -o /tmp/after ./cmd/herald && git stash && go build -o /tmp/before ./cmd/herald && git stash pop
#   go build -o /tmp/heraldbench ./cmd/heraldbench && cmd/heraldbench/compare.sh /tmp/before /tmp/after
set -eu
before=$1 after=$2
pg=${3:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
hb=${HERALDBENCH:-/tmp/heraldbench}
run() {
	name=$1
	shift
	"$hb" "$@" >"compare-$name.txt" 2>&1
	printf '%-28s %s\n' "$name" "$(grep -E 'end-to-end rate|p99' "compare-$name.txt" | tr '\n' ' ' | cut -c1-160)"
}
for round in 1 2; do
	for v in before after; do
		bin=$before
		[ "$v" = after ] && bin=$after
		run "sqlite-$v-$round" --herald "$bin" --notifiers 10 --jobs 3000
		run "pg1-$v-$round" --herald "$bin" --postgres "$pg" --notifiers 10 --jobs 3000
		run "pg2-$v-$round" --herald "$bin" --postgres "$pg" --instances 2 --notifiers 10 --jobs 3000
		# held to half a core each, as instances on hosts of their own (root, Linux)
		run "pg1-half-$v-$round" --herald "$bin" --postgres "$pg" --instance-cpu 0.5 --notifiers 10 --jobs 2000
		run "pg2-half-$v-$round" --herald "$bin" --postgres "$pg" --instances 2 --instance-cpu 0.5 --notifiers 10 --jobs 2000
		# latency at 1,000 notifications/s offered
		run "sqlite-1000-$v-$round" --herald "$bin" --notifiers 10 --jobs 1500 --offered-rate 100
		run "pg1-1000-$v-$round" --herald "$bin" --postgres "$pg" --notifiers 10 --jobs 1500 --offered-rate 100
		run "pg2-1000-$v-$round" --herald "$bin" --postgres "$pg" --instances 2 --notifiers 10 --jobs 1500 --offered-rate 100
	done
done
