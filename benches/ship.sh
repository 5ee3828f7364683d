#!/usr/bin/env bash
# The shipper, files → network, beside rsyslog's imfile over the same files.
#
#   benches/ship.sh            # 1024 MiB over 8 files, then the rate runs
#   benches/ship.sh 256        # a quicker check
#
# 1. Throughput: MIB of plain-text logs with stack traces (about 10% of
#    errors carry one; multiline joining on) in 8 files, read from the start
#    by `faultline ship` and sent as gzip NDJSON batches to a sink that
#    acknowledges at once (benches/examples/sink.rs), so the shipper is
#    measured, not a collector; once with the shipper parsing (events on
#    the wire, the default) and once with `--parse-at collector` (raw
#    segments cut at record boundaries; the collector parses). Then rsyslog (`imfile` with `startmsg.regex`
#    for the same multiline joining, `omfwd` over TCP to the same sink) over
#    the same files. Reported: MiB/s (wall clock to the last byte received),
#    CPU seconds per GiB (from /proc/PID/stat), peak RSS (VmHWM).
# 2. Memory: an application writes 10 MiB/s over 100 files for 30 s
#    (benches/examples/writer.rs) while the shipper tails them: peak RSS.
# 3. CPU: 1 MB/s over 10 files for 60 s: the shipper's CPU as a share of one
#    core; the sink decodes the batches here and the events it counted are
#    compared with `faultline parse` over the same files.
set -euo pipefail

mib="${1:-1024}"
case "$mib" in
'' | *[!0-9]*)
	echo "usage: $0 [MIB]" >&2
	exit 2
	;;
esac

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bin="$root/target/release/faultline"
ex="$root/target/release/examples"
corpus="$root/target/bench-corpus/ship-${mib}mib"
http=127.0.0.1:17901
tcp=127.0.0.1:17902
clk="$(getconf CLK_TCK)"

echo "building release binaries" >&2
cargo build --quiet --release -p faultline --bin faultline
# The sidecar build: only `parse` and `ship`, small code (Cargo.toml's
# [profile.sidecar]); scenario 4 and the last throughput run use it.
cargo build --quiet --profile sidecar -p faultline --no-default-features
sidecar_bin="$root/target/sidecar/faultline"
cargo build --quiet --release -p faultline-benches --example sink --example writer --example corpus
command -v rsyslogd >/dev/null || echo "rsyslogd not found (apt-get install rsyslog): its runs are skipped" >&2

if [[ ! -f "$corpus.complete" ]]; then
	echo "generating $mib MiB of plain-text logs with traces into $corpus" >&2
	rm -rf "$corpus"
	"$ex/corpus" "$corpus" "$mib" plain_traces 8 >/dev/null
	touch "$corpus.complete"
fi
raw_bytes="$(find "$corpus" -name '*.log' -printf '%s\n' | awk '{s += $1} END {print s}')"

work="$(mktemp -d)"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

start_sink() {
	"$ex/sink" "$http" "$tcp" "$@" 2>/dev/null &
	sink_pid=$!
	pids+=("$sink_pid")
	for _ in $(seq 50); do curl -sf "http://$http/count" >/dev/null && return; sleep 0.1; done
	echo "the sink did not start" >&2
	exit 1
}
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
count() { curl -sf "http://$http/count" | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
cpu_seconds() { awk -v clk="$clk" '{printf "%.2f", ($14 + $15) / clk}' "/proc/$1/stat"; }
peak_rss_mib() { awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }

# Waits until the sink's counter $1 stops growing for 3 s; prints the seconds
# from $2 (a start time) to its last growth.
wait_quiet() {
	local field="$1" started="$2" last=-1 since now value
	since="$(date +%s.%N)"
	while :; do
		value="$(count "$field")"
		now="$(date +%s.%N)"
		if [[ "$value" != "$last" ]]; then
			last="$value"
			since="$now"
		elif (($(echo "$now - $since > 3" | bc))); then
			break
		fi
		sleep 0.2
	done
	echo "$since - $started" | bc
}

ship() { # state_dir glob [extra args...]
	local state="$1" glob="$2"
	shift 2
	"${ship_bin:-$bin}" ship --path "$glob" --collector "http://$http" --state "$state" \
		--service bench --start-at beginning "$@" 2>"$state.log" &
	ship_pid=$!
	pids+=("$ship_pid")
}

report() { # name seconds cpu rss bytes
	python3 - "$@" <<'EOF'
import sys
name, secs, cpu, rss, raw = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4], int(sys.argv[5])
mib = raw / 2**20
print(f"{name:<28} {mib / secs:7.1f} MiB/s  {cpu / (raw / 2**30):6.1f} CPU-s/GiB  peak RSS {rss} MiB  ({mib:.0f} MiB in {secs:.2f} s, {cpu:.1f} CPU-s)")
EOF
}

if [[ -z "${SHIP_ONLY_SIDECAR:-}" ]]; then
echo "== 1. throughput: $((raw_bytes >> 20)) MiB, 8 files, multiline on"
modes=(shipper)
ship_lines=()
mode_args() { :; }
if "$bin" ship --help | grep -q -- --parse-at; then
	modes+=(collector)
	mode_args() { echo "--parse-at $1"; }
fi
runs=("${modes[@]}")
if [[ " ${modes[*]} " == *" collector "* ]]; then runs+=(sidecar); fi
for run in "${runs[@]}"; do
	mode="$run" ship_bin="$bin" name="faultline ship (parse at $run)"
	if [[ "$run" == sidecar ]]; then
		mode=collector ship_bin="$sidecar_bin" name="sidecar build (at collector)"
	fi
	start_sink
	mkdir -p "$work/state-$run"
	t0="$(date +%s.%N)"
	# shellcheck disable=SC2046
	ship "$work/state-$run" "$corpus/*.log" $(mode_args "$mode")
	secs="$(wait_quiet body_bytes "$t0")"
	line="$(report "$name" "$secs" "$(cpu_seconds "$ship_pid")" "$(peak_rss_mib "$ship_pid")" "$raw_bytes")"
	echo "$line"
	echo "   sink: $(curl -sf "http://$http/count")"
	ship_lines+=("$line")
	stop "$ship_pid"
	stop "$sink_pid"
done
start_sink

if command -v rsyslogd >/dev/null; then
	mkdir -p "$work/rsyslog"
	cat >"$work/rsyslog.conf" <<EOF
global(workDirectory="$work/rsyslog")
module(load="imfile" mode="inotify")
input(type="imfile" File="$corpus/*.log" Tag="app:" readMode="0" startmsg.regex="^[0-9]{4}-[0-9]{2}-[0-9]{2} ")
action(type="omfwd" target="127.0.0.1" port="${tcp##*:}" protocol="tcp" template="RSYSLOG_ForwardFormat")
EOF
	t0="$(date +%s.%N)"
	rsyslogd -n -f "$work/rsyslog.conf" -i "$work/rsyslog.pid" &
	rs_pid=$!
	pids+=("$rs_pid")
	secs="$(wait_quiet tcp_bytes "$t0")"
	rs_line="$(report "rsyslog imfile" "$secs" "$(cpu_seconds "$rs_pid")" "$(peak_rss_mib "$rs_pid")" "$raw_bytes")"
	echo "$rs_line"
	echo "   sink: $(curl -sf "http://$http/count")"
	stop "$rs_pid"
	python3 - "$rs_line" "${ship_lines[@]}" <<'EOF'
import sys
rate = lambda l: float(l.split("MiB/s")[0].split()[-1])
theirs = rate(sys.argv[1])
for line in sys.argv[2:]:
    print(f"   ratio {line.split('  ')[0].strip()} / rsyslog: {rate(line) / theirs:.2f}x")
EOF
fi
stop "$sink_pid"
fi

rate_run() { # name files bytes_per_sec seconds [ship args]
	local name="$1" files="$2" rate="$3" seconds="$4"
	shift 4
	start_sink --decode
	local dir="$work/$name"
	mkdir -p "$dir/logs" "$dir/state"
	ship "$dir/state" "$dir/logs/*.log" "$@"
	sleep 1
	local cpu0
	cpu0="$(cpu_seconds "$ship_pid")"
	"$ex/writer" "$dir/logs" "$files" "$rate" "$seconds" >"$dir/written"
	wait_quiet body_bytes "$(date +%s.%N)" >/dev/null
	local cpu
	cpu="$(echo "$(cpu_seconds "$ship_pid") - $cpu0" | bc)"
	echo "   written: $(cat "$dir/written"); shipper CPU ${cpu} s over ${seconds} s = $(echo "scale=2; 100 * $cpu / $seconds" | bc)% of a core; peak RSS $(peak_rss_mib "$ship_pid") MiB"
	echo "   sink: $(curl -sf "http://$http/count")"
	rate_dir="$dir"
	stop "$ship_pid"
	stop "$sink_pid"
}

if [[ -n "${SHIP_ONLY_SIDECAR:-}" ]]; then modes=(); fi
for mode in "${modes[@]}"; do
	for notify in true false; do
		printf '[tail]\nnotify = %s\n' "$notify" >"$work/tail-$notify.toml"
		echo "== 2. memory: 10 MiB/s over 100 files for 30 s (parse at $mode, notify $notify)"
		# shellcheck disable=SC2046
		rate_run "rss-$mode-$notify" 100 $((10 << 20)) 30 --config "$work/tail-$notify.toml" $(mode_args "$mode")
		echo "== 3. CPU: 1 MB/s over 10 files for 60 s (parse at $mode, notify $notify)"
		# shellcheck disable=SC2046
		rate_run "cpu-$mode-$notify" 10 1000000 60 --config "$work/tail-$notify.toml" $(mode_args "$mode")
		if [[ "$mode" == shipper ]]; then
			want="$("$bin" parse "$rate_dir"/logs/*.log 2>/dev/null | wc -l)"
			echo "   events by faultline parse over the same files: $want (the sink's count above must match)"
		fi
	done
done
ship_bin="$bin"

# 4. The sidecar manifest's settings (deploy/kubernetes/shipper-sidecar.yaml):
#    parse at the collector, polling, raw bytes held at most 250 ms, and
#    mimalloc handing freed memory back, and the sidecar build.
#    SHIP_ONLY_SIDECAR=1 runs only this.
if "$bin" ship --help | grep -q -- --parse-at; then
	printf '[tail]\nnotify = false\n[collector]\nparse_at = "collector"\nbatch_max_wait_ms = 250\n' >"$work/sidecar.toml"
	export MIMALLOC_PURGE_DELAY=0 MIMALLOC_ARENA_EAGER_COMMIT=0 MIMALLOC_EAGER_COMMIT=0
	ship_bin="$sidecar_bin"
	echo "== 4. the sidecar manifest's settings: 10 MiB/s over 100 files for 30 s"
	rate_run sidecar-rss 100 $((10 << 20)) 30 --config "$work/sidecar.toml"
	echo "== 4. the sidecar manifest's settings: 1 MB/s over 10 files for 60 s"
	rate_run sidecar-cpu 10 1000000 60 --config "$work/sidecar.toml"
fi
