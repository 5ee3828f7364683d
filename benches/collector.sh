# Sourced by the collector benchmarks (ingest.sh, ingest_callgrind.sh,
# quiet.sh).

# whole_numbers_or_usage USAGE VALUE...: exits 2 with USAGE unless every
# VALUE is a whole number.
whole_numbers_or_usage() {
	local usage="$1" value
	shift
	for value in "$@"; do
		case "$value" in
		'' | *[!0-9]*)
			echo "usage: $usage" >&2
			exit 2
			;;
		esac
	done
}

# collector_address LOG TRIES PAUSE: waits until the collector writing its
# JSON log to LOG answers /readyz (TRIES checks, PAUSE seconds apart) and
# prints its address; otherwise prints the log and fails.
collector_address() {
	local log="$1" tries="$2" pause="$3" addr=""
	for _ in $(seq "$tries"); do
		addr="$(grep -o '"addr":"[^"]*"' "$log" | head -n 1 | cut -d'"' -f4 || true)"
		if [[ -n "$addr" ]] && curl -sf "http://$addr/readyz" >/dev/null; then
			echo "$addr"
			return 0
		fi
		sleep "$pause"
	done
	echo "collector did not start" >&2
	cat "$log" >&2
	return 1
}
