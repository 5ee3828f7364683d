#!/usr/bin/env bash
# The collector's ingest at fixed work: instructions counted by callgrind,
# which repeat to 0.01% between identical runs, where CPU seconds on a shared
# 2-core machine move ±15%. Use it to compare two builds.
#
#   benches/ingest_callgrind.sh BIN [BATCHES_DIR] [N] [OUT]
#
# Starts BIN (a faultline binary) under `valgrind --tool=callgrind`, posts
# the first N gzip NDJSON batches of BATCHES_DIR (default: the 32 MiB
# corpus's, made by `benches/ingest.sh 32`; N default 20) one after the
# other, waits 5 s, stops the collector with SIGTERM (it drains and commits)
# and prints the instruction total; the profile is kept in OUT (default
# target/callgrind.ingest) for `callgrind_annotate --inclusive=yes OUT`.
# INGEST_CONFIG=FILE starts the collector with that config file.
set -euo pipefail

bin="${1:?usage: $0 BIN [BATCHES_DIR] [N] [OUT]}"
root="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=benches/collector.sh
source "$root/benches/collector.sh"
batches="${2:-$root/target/bench-corpus/32mib-wire}"
n="${3:-20}"
out="${4:-$root/target/callgrind.ingest}"
command -v valgrind >/dev/null || {
	echo "valgrind is not installed" >&2
	exit 1
}
[[ -d "$batches" ]] || {
	echo "no batches in $batches: run benches/ingest.sh 32 first" >&2
	exit 1
}

work="$(mktemp -d)"
pid=""
cleanup() {
	if [[ -n "$pid" ]]; then kill "$pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

valgrind --tool=callgrind --callgrind-out-file="$out" \
	"$bin" collect --listen 127.0.0.1:0 --data "$work/data" --log-format json \
	${INGEST_CONFIG:+--config "$INGEST_CONFIG"} 2>"$work/log" &
pid=$!
# valgrind starts the collector about 50 times slower.
addr="$(collector_address "$work/log" 600 0.2)" || exit 1
find "$batches" -name 'b*.gz' | sort | head -n "$n" | while read -r f; do
	curl -sf -o /dev/null -X POST -H 'content-type: application/x-ndjson' \
		-H 'content-encoding: gzip' --data-binary @"$f" "http://$addr/api/v1/ingest"
done
sleep 5
kill -TERM "$pid"
wait "$pid" || true
pid=""
for _ in $(seq 50); do
	if callgrind_annotate "$out" 2>/dev/null | grep 'PROGRAM TOTALS'; then exit 0; fi
	sleep 0.2
done
echo "no instruction totals in $out" >&2
exit 1
