#!/usr/bin/env bash
# End-to-end benchmark of the collector: HTTP + write-ahead log (fsync,
# group commit) + fingerprinting + index, over the demo corpus scaled to
# N MiB (default 256), sent by C concurrent curl clients (default 4) as
# gzip NDJSON batches of about 1 MiB, as a shipper sends them: parsed
# events without template, fingerprint or explanation, which `faultline
# parse` prints for people but a shipper leaves to the collector.
#
#   benches/ingest.sh            # 256 MiB, 4 clients
#   benches/ingest.sh 64 2       # a quick check
#
# Then the same files once more through the segments wire: `faultline ship
# --parse-at collector` sends them as raw segments (gzip) to a fresh
# collector, which parses them (INGEST_SKIP_SEGMENTS=1 skips this).
#
# Reports: ingest MB/s of raw log bytes (wall clock, and per CPU second of
# the collector process, read from /proc/<pid>/stat, while the batches are
# sent, then until every day has merged into one segment: merges included),
# the same for NDJSON bytes, index size against raw bytes, search visibility (a unique token
# posted, search polled until it appears), and top-groups query p50/p99
# over 200 requests. The corpus and its batches are kept under
# target/bench-corpus/ and reused.
#
# INGEST_ONE_DAY=1 sends the same events restamped into the corpus's first
# day (time of day kept), as a collector's steady state sees them: one
# day's index taking all of it, instead of 24 small days backfilled at once
# (as `index_size --one-day` does for the index alone).
# INGEST_BIN=PATH runs that faultline binary instead of building this tree's
# (to compare two builds on the same machine, run alternately).
# INGEST_CONFIG=FILE starts the collector with that config file (for
# example a `[store]` table to try another commit interval).
# INGEST_PERF=FILE records a call-graph profile of the collector while the
# batches are sent (`perf record -g`), for `perf report -i FILE`.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
# shellcheck source=benches/collector.sh
source benches/collector.sh
mib="${1:-256}"
clients="${2:-4}"
whole_numbers_or_usage "$0 [MIB] [CLIENTS]" "$mib" "$clients"
corpus="target/bench-corpus/${mib}mib"
batches="target/bench-corpus/${mib}mib-wire"
bin="${INGEST_BIN:-target/release/faultline}"

echo "building release binaries" >&2
if [[ -z "${INGEST_BIN:-}" ]]; then
	cargo build --quiet --release -p faultline --bin faultline
fi
cargo build --quiet --release -p faultline-benches --example demo

if [[ ! -f "$corpus.complete" ]]; then
	echo "generating $mib MiB of demo logs into $corpus" >&2
	rm -rf "$corpus"
	target/release/examples/demo "$corpus" --mib "$mib" >&2
	touch "$corpus.complete"
fi
if [[ ! -f "$batches.complete" ]]; then
	echo "parsing the corpus into gzip NDJSON batches in $batches" >&2
	rm -rf "$batches"
	mkdir -p "$batches"
	find "$corpus" -type f -print0 | sort -z | xargs -0 "$bin" parse 2>/dev/null |
		python3 "$root/benches/as_shipped.py" |
		split -C 1M -d -a 6 - "$batches/b"
	for f in "$batches"/b*; do gzip -1 "$f"; done
	touch "$batches.complete"
fi

if [[ -n "${INGEST_ONE_DAY:-}" ]]; then
	one_day="${batches}-one-day"
	if [[ ! -f "$one_day.complete" ]]; then
		echo "restamping the batches into one day in $one_day" >&2
		rm -rf "$one_day"
		mkdir -p "$one_day"
		first="$({ gzip -dc "$batches/b000000.gz" || true; } | head -n 1 | grep -o '"ts":"[0-9-]*T' | head -n 1)"
		for f in "$batches"/b*.gz; do
			gzip -dc "$f" | sed -E "s/\"ts\":\"[0-9]{4}-[0-9]{2}-[0-9]{2}T/$first/" |
				gzip -1 >"$one_day/$(basename "$f")"
		done
		touch "$one_day.complete"
	fi
	batches="$one_day"
fi

raw_bytes="$(find "$corpus" -type f -printf '%s\n' | awk '{s += $1} END {print s}')"
ndjson_bytes="$(for f in "$batches"/b*.gz; do gzip -dc "$f"; done | wc -c)"
work="$(mktemp -d)"
collector_pid=""
ship_pid=""
cleanup() {
	if [[ -n "$collector_pid" ]]; then kill "$collector_pid" 2>/dev/null || true; fi
	if [[ -n "$ship_pid" ]]; then kill "$ship_pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

config_args=()
if [[ -n "${INGEST_CONFIG:-}" ]]; then config_args=(--config "$INGEST_CONFIG"); fi
# start_collector DATA LOG: starts a collector on a free port; sets
# collector_pid and base.
start_collector() {
	"$bin" collect --listen 127.0.0.1:0 --data "$1" --log-format json "${config_args[@]}" 2>"$2" &
	collector_pid=$!
	local addr
	addr="$(collector_address "$2" 200 0.05)" || exit 1
	base="http://$addr"
}
start_collector "$work/data" "$work/log"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$collector_pid/stat"; }
ticks_per_second="$(getconf CLK_TCK)"

echo "sending $(ls "$batches" | wc -l) batches with $clients clients to $base" >&2
perf_pid=""
if [[ -n "${INGEST_PERF:-}" ]]; then
	perf record ${INGEST_PERF_ARGS:--g} -o "$INGEST_PERF" -p "$collector_pid" 2>/dev/null &
	perf_pid=$!
	sleep 0.5
fi
cpu_before="$(cpu_ticks)"
start="$(date +%s.%N)"
find "$batches" -name 'b*.gz' -print0 | sort -z |
	xargs -0 -P "$clients" -I{} curl -sf -o /dev/null -X POST \
		-H 'content-type: application/x-ndjson' -H 'content-encoding: gzip' \
		--data-binary @{} "$base/api/v1/ingest"
end="$(date +%s.%N)"
cpu_after="$(cpu_ticks)"
if [[ -n "$perf_pid" ]]; then
	kill -INT "$perf_pid"
	wait "$perf_pid" || true
fi

probes_before="$(cpu_ticks)"
token="visibility$(date +%s%N)"
posted="$(date +%s.%N)"
printf '{"level":"error","message":"probe %s"}\n' "$token" |
	curl -sf -o /dev/null -X POST --data-binary @- "$base/api/v1/ingest"
visible=""
for _ in $(seq 1000); do
	if curl -sf "$base/api/v1/search?q=$token" | grep -q '"total":1'; then
		visible="$(date +%s.%N)"
		break
	fi
	sleep 0.02
done

for _ in $(seq 200); do
	curl -s -o /dev/null -w '%{time_total}\n' "$base/api/v1/groups?since=3650d&limit=20"
done | sort -n >"$work/latency"

probes_cpu=$(($(cpu_ticks) - probes_before))

# A day idle for 30 commits (30 s) merges into one segment: the size right
# after ingest, then once every day has merged. The collector's CPU until
# then (less the probes above) is the ingest's cost with its merges: the
# indexing still queued at the last acknowledgement, tantivy's merges, and
# each day's last merge.
index_bytes="$(du -sb "$work/data/index" | cut -f1)"
# merged_days DIR: succeeds once every day's index under DIR is one segment.
merged_days() {
	python3 - "$1" <<'PY'
import json, pathlib, sys
metas = list(pathlib.Path(sys.argv[1]).glob("*/meta.json"))
sys.exit(0 if metas and all(len(json.loads(m.read_text())["segments"]) <= 1 for m in metas) else 1)
PY
}
sleep 30
for _ in $(seq 300); do
	merged_days "$work/data/index" && break
	sleep 1
done
sleep 1
cpu_settled="$(cpu_ticks)"
kill -TERM "$collector_pid"
wait "$collector_pid" || true
collector_pid=""
merged_bytes="$(du -sb "$work/data/index" | cut -f1)"

awk -v raw="$raw_bytes" -v nd="$ndjson_bytes" -v s="$start" -v e="$end" \
	-v c0="$cpu_before" -v c1="$cpu_after" -v hz="$ticks_per_second" \
	-v c2="$cpu_settled" -v probes="$probes_cpu" \
	-v idx="$index_bytes" -v merged="$merged_bytes" -v posted="$posted" -v visible="$visible" \
	-v clients="$clients" -v cores="$(nproc)" '
BEGIN {
	wall = e - s; cpu = (c1 - c0) / hz
	if (cpu <= 0) cpu = 0.01
	printf "input         %.1f MB raw logs, %.1f MB NDJSON events, %d clients, %d cores\n", raw / 1e6, nd / 1e6, clients, cores
	printf "wall          %.2f s; collector cpu %.2f s\n", wall, cpu
	printf "ingest        %.1f MB/s raw (%.1f MB/s NDJSON) wall clock\n", raw / 1e6 / wall, nd / 1e6 / wall
	printf "per core      %.1f MB/s raw (%.1f MB/s NDJSON) per collector CPU second\n", raw / 1e6 / cpu, nd / 1e6 / cpu
	settled = (c2 - c0 - probes) / hz
	printf "with merges   %.1f MB/s raw (%.1f MB/s NDJSON) per collector CPU second until every day merged (cpu %.2f s)\n", raw / 1e6 / settled, nd / 1e6 / settled, settled
	printf "index size    %.1f MB = %.3f x raw; %.1f MB = %.3f x raw once the idle days merged\n", idx / 1e6, idx / raw, merged / 1e6, merged / raw
	if (visible != "") printf "visibility    %.2f s from acknowledgement to search\n", visible - posted
	else print "visibility    not seen within 20 s"
}'
awk '{a[NR] = $1} END {
	printf "top groups    p50 %.1f ms, p99 %.1f ms over %d requests\n", a[int(NR * 0.5)] * 1000, a[int(NR * 0.99)] * 1000, NR
}' "$work/latency"

[[ -z "${INGEST_SKIP_SEGMENTS:-}" ]] || exit 0
# The segments wire: the wire bytes are the raw bytes. Done when the stored
# event count has not moved for 2 s.
start_collector "$work/seg-data" "$work/seg-log"
stored_events() { curl -sf "$base/metrics" | awk '$1 == "faultline_store_events_total" {print $2}'; }
echo "shipping $corpus as raw segments to $base" >&2
cpu_before="$(cpu_ticks)"
start="$(date +%s.%N)"
"$bin" ship --path "$root/$corpus/**/*" --collector "$base" --state "$work/ship-state" \
	--parse-at collector --start-at beginning 2>"$work/ship-log" &
ship_pid=$!
last=0 still=0 end="$start"
for _ in $(seq 3000); do
	sleep 0.2
	stored="$(stored_events)"
	if [[ "$stored" != "$last" ]]; then
		last="$stored" still=0 end="$(date +%s.%N)" cpu_after="$(cpu_ticks)"
	elif ((last > 0 && ++still >= 10)); then
		break
	fi
done
kill -TERM "$ship_pid"
wait "$ship_pid" || true
ship_pid=""
kill -TERM "$collector_pid"
wait "$collector_pid" || true
collector_pid=""
index_bytes="$(du -sb "$work/seg-data/index" | cut -f1)"
awk -v raw="$raw_bytes" -v s="$start" -v e="$end" -v c0="$cpu_before" -v c1="$cpu_after" \
	-v hz="$ticks_per_second" -v idx="$index_bytes" -v n="$last" '
BEGIN {
	wall = e - s; cpu = (c1 - c0) / hz
	if (cpu <= 0) cpu = 0.01
	printf "segments      %d events stored from %.1f MB raw logs sent as raw segments\n", n, raw / 1e6
	printf "wall          %.2f s to the last stored event; collector cpu %.2f s\n", wall, cpu
	printf "per core      %.1f MB/s raw (= wire bytes before gzip) per collector CPU second\n", raw / 1e6 / cpu
	printf "index size    %.1f MB = %.3f x raw\n", idx / 1e6, idx / raw
}'
