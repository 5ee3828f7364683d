#!/usr/bin/env bash
# What a quiet collector costs: E events a second (default 5), posted one
# small batch a second for S seconds (default 60), as a lightly loaded
# service's shipper sends them. Each batch is acknowledged, then committed
# within the second (`commit_interval_ms`): the figure is mostly the fixed
# cost of a commit and of the collector's timers, not of the events.
#
#   benches/quiet.sh            # 5 events a second for 60 s
#   benches/quiet.sh 50 120
#
# Reports the collector's CPU (user + system, from /proc/<pid>/stat) over
# the run, as a share of one core, and per batch (each is one commit).
# INGEST_BIN=PATH runs that faultline binary instead of building this
# tree's (to compare two builds, run them alternately). INGEST_PERF=FILE
# records a call-graph profile of the collector (`perf record -g`).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
# shellcheck source=benches/collector.sh
source benches/collector.sh
per_second="${1:-5}"
seconds="${2:-60}"
whole_numbers_or_usage "$0 [EVENTS_PER_SECOND] [SECONDS]" "$per_second" "$seconds"
bin="${INGEST_BIN:-target/release/faultline}"
if [[ -z "${INGEST_BIN:-}" ]]; then
	echo "building the release binary" >&2
	cargo build --quiet --release -p faultline --bin faultline
fi

work="$(mktemp -d)"
pid=""
cleanup() {
	if [[ -n "$pid" ]]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

"$bin" collect --listen 127.0.0.1:0 --data "$work/data" --log-format json 2>"$work/log" &
pid=$!
base="http://$(collector_address "$work/log" 200 0.05)"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
ticks_per_second="$(getconf CLK_TCK)"

# One batch: E access-log and application events, stamped now.
batch() {
	local now i
	now="$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)"
	for ((i = 0; i < per_second; i++)); do
		if ((i % 2 == 0)); then
			printf '{"ts":"%s","service":"web","level":"info","message":"GET /api/orders/%d 200 0.0%02d","fields":{"method":"GET","path":"/api/orders/%d","status":200,"request_time":0.0%02d}}\n' \
				"$now" "$i" "$((i % 90 + 10))" "$i" "$((i % 90 + 10))"
		else
			printf '{"ts":"%s","service":"checkout","level":"warn","message":"payment retry %d for order %d took %d ms"}\n' \
				"$now" "$((i % 3))" "$((RANDOM))" "$((RANDOM % 900))"
		fi
	done
}

perf_pid=""
if [[ -n "${INGEST_PERF:-}" ]]; then
	perf record -g -o "$INGEST_PERF" -p "$pid" 2>/dev/null &
	perf_pid=$!
fi
sleep 2
cpu_before="$(cpu_ticks)"
start="$(date +%s.%N)"
for ((s = 0; s < seconds; s++)); do
	batch | curl -sf -o /dev/null -X POST -H 'content-type: application/x-ndjson' \
		--data-binary @- "$base/api/v1/ingest"
	sleep 1
done
end="$(date +%s.%N)"
cpu_after="$(cpu_ticks)"
if [[ -n "$perf_pid" ]]; then
	kill -INT "$perf_pid"
	wait "$perf_pid" || true
fi
python3 - "$cpu_before" "$cpu_after" "$ticks_per_second" "$start" "$end" "$per_second" "$seconds" <<'EOF'
import sys
before, after, hz, start, end, per_second, batches = sys.argv[1:]
cpu = (int(after) - int(before)) / int(hz)
wall = float(end) - float(start)
print(f"load          {per_second} events a second, {batches} batches in {wall:.0f} s")
print(f"collector cpu {cpu:.2f} s: {100 * cpu / wall:.2f}% of a core, {1000 * cpu / int(batches):.1f} ms a batch (one commit each)")
EOF
