#!/usr/bin/env bash
# `make test-calendar`: reruns the date-sensitive tests (marker `calendar`) at each instant given as
# AT@TZ arguments (the clock pinned at AT through MCCTL_TEST_NOW, the local zone TZ).
#
# The calendar tests' files are found once (collection is the same at every instant); each instant then runs
# only those files in a pytest of its own without xdist, two instants at a time, each with its own port range:
# workers cost more than they repay for 31 tests (one instant, load 2.5: 24.5 s and 19 s of CPU without xdist,
# 29 s and 27 s of CPU with two workers; 2026-12-04).
set -euo pipefail
bin=${BIN:-.venv/bin}
files=$("$bin/pytest" --collect-only -q -p no:cacheprovider -m calendar | grep '::' | cut -d: -f1 | sort -u)
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

run_pin() {
  local i=$1 pin=$2 at tz lo
  at=${pin%@*}
  tz=${pin#*@}
  lo=$((20000 + i * 1800))
  # shellcheck disable=SC2086  # $files is a list of paths without spaces
  if MCCTL_SUITE_PORTS="$lo-$((lo + 1799))" MCCTL_TEST_NOW="$at" TZ="$tz" \
    "$bin/pytest" -q -p no:xdist -p no:cacheprovider -m calendar $files >"$logs/$i.log" 2>&1; then
    echo "== calendar tests at $at (TZ=$tz): $(tail -1 "$logs/$i.log")"
  else
    echo "== calendar tests at $at (TZ=$tz) FAILED:"
    cat "$logs/$i.log"
    return 1
  fi
}
export -f run_pin
export bin files logs

i=0
for pin in "$@"; do
  echo "$i $pin"
  i=$((i + 1))
done | xargs -P "${CALENDAR_JOBS:-2}" -L 1 bash -c 'run_pin "$0" "$1"'
