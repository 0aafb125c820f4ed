#!/usr/bin/env bash
# Instructions per request: valgrind's callgrind counts what the whole server process executes
# (the handler, sqlx's threads, the outbox worker sending the mails the requests queue) for N
# submissions, then N receptions, then N assignments, each sent one at a time, on a release
# build. Unlike a rate, the count does not depend on what else the machine is doing: it is the
# figure to compare before and after a change to the request path (BENCHMARKS.md, issue 9).
#
# Usage: bench/instructions.sh sqlite|postgres
#   N=100 (requests of each kind)  SETTLE=5 (seconds counted after the last request of a series,
#   for the outbox worker to send its mails; its idle polling is counted too)
#   KEEP_DUMPS=1 (keep the callgrind dumps and print where, for callgrind_annotate)
# Needs valgrind, wrk, curl, python3 and psql (as bench/lib.sh).
set -euo pipefail
BACKEND="${1:?usage: bench/instructions.sh sqlite|postgres}"
source "$(dirname "$0")/lib.sh"
N="${N:-100}"
SETTLE="${SETTLE:-5}"
bench_need valgrind callgrind_control
OUT="$(mktemp -d -p "${BENCH_TMP:-/var/tmp}" motcua-callgrind.XXXXXX)"
# Instrumentation starts off: start-up, migrations and the set-up are not counted.
export BENCH_SERVER_PREFIX="valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=$OUT/callgrind.out"
export BENCH_READY_SECONDS=600

bench_machine
echo "== backend: $BACKEND, $N requests of each kind, one at a time, under callgrind"
bench_start "$BACKEND"
trap 'status=$?; [[ -n "${KEEP_DUMPS:-}" ]] || rm -rf "$OUT"; (exit $status); bench_cleanup' EXIT
bench_setup_catalogue
bench_setup_staff
export BASE CITIZEN_TOKEN BENCH_PROCEDURE
python3 "$BENCH_DIR/one_at_a_time.py" drafts "$N" "$AGENCIES" "$WORK/drafts.txt"

declare -a SUMMARY=()
IDLE=0
# measure LABEL COMMAND…: counts the instructions of COMMAND's requests and the settling after;
# the per-request figure leaves out what the idle server does in the same time (IDLE, measured
# first with no request: mostly the outbox worker's polls).
measure() {
  local label="$1"
  shift
  callgrind_control -z "$SERVER" >/dev/null 2>&1
  callgrind_control -i on "$SERVER" >/dev/null 2>&1
  "$@"
  sleep "$SETTLE"
  callgrind_control -d "$label" "$SERVER" >/dev/null 2>&1
  callgrind_control -i off "$SERVER" >/dev/null 2>&1
  local dump total
  dump=$(ls -t "$OUT"/callgrind.out.* | head -1)
  total=$(awk '/^(summary|totals):/ {print $2; exit}' "$dump")
  if [[ "$label" == idle ]]; then
    IDLE=$total
    echo "   idle for ${SETTLE}s: $total instructions"
    return
  fi
  local per_request=$(((total - IDLE) / N))
  SUMMARY+=("$(printf '%-9s %-12s %6s %16s %14s' "$BACKEND" "$label" "$N" "$total" "$per_request")")
  echo "   $label: $total instructions for $N requests (idle ${SETTLE}s: $IDLE), $per_request per request"
}

echo "== counting"
measure idle true
measure submission python3 "$BENCH_DIR/one_at_a_time.py" submit "$WORK/drafts.txt" "$WORK/submitted.txt"
measure reception python3 "$BENCH_DIR/one_at_a_time.py" receive "$WORK/submitted.txt" "$WORK/staff.txt" "$WORK/received.txt"
measure assignment python3 "$BENCH_DIR/one_at_a_time.py" assign "$WORK/received.txt" "$WORK/staff.txt" "$WORK/assigned.txt"

echo "== summary ($BACKEND, $(date -u +%FT%TZ), whole process; per request: (series - idle) / count)"
printf '%-9s %-12s %6s %16s %14s\n' backend request count "in the series" "per request"
printf '%s\n' "${SUMMARY[@]}"
[[ -z "${KEEP_DUMPS:-}" ]] || echo "== dumps kept in $OUT (callgrind_annotate $OUT/callgrind.out.2 shows where a submission's go)"
