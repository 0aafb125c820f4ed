#!/usr/bin/env bash
# Desk transitions (POST /api/v1/dossiers/{id}/actions with If-Match) on a release build, with
# the pgbench INSERT ceiling measured in the same run.
#
# Usage: bench/transitions.sh sqlite|postgres
#   DURATION=15 (seconds per measurement)  CONNECTIONS=16  DOSSIERS=8000
# Needs wrk, curl, python3, psql and pgbench, and a PostgreSQL reachable as $PGUSER@$PGHOST:$PGPORT
# (default postgres@127.0.0.1:5432) even for the SQLite run: the pgbench baseline runs there.
#
# What it does: fresh database and server as bench/submissions.sh; in every demo agency a clerk
# and two specialists; DOSSIERS dossiers submitted over the agencies; then
#   1. pgbench INSERT transaction (bench/pgbench_insert.sql) — the ceiling;
#   2. `receive` of each dossier by its agency's clerk (due date from the working calendar,
#      audit event, throughput records, mail job), If-Match with the submitted version;
#   3. `assign` and re-assign, again and again, between the agency's two specialists, each with
#      the version the previous answer carried (bench/transitions.lua);
#   4. pgbench again (the baseline is the mean of both runs).
set -euo pipefail
BACKEND="${1:?usage: bench/transitions.sh sqlite|postgres}"
source "$(dirname "$0")/lib.sh"
DURATION="${DURATION:-15}"
CONNECTIONS="${CONNECTIONS:-16}"
DOSSIERS="${DOSSIERS:-8000}"

bench_machine
echo "== backend: $BACKEND, $CONNECTIONS connections, ${DURATION}s per measurement, $DOSSIERS dossiers"
bench_start "$BACKEND"
bench_setup_catalogue

echo "== 0. staff and $DOSSIERS submitted dossiers"
bench_setup_staff
bench_create_drafts "$DOSSIERS" "$WORK/drafts.ids"
BENCH_IDS="$WORK/drafts.ids" BENCH_TOKEN="$CITIZEN_TOKEN" BENCH_THREADS=2 BENCH_PAIRS_OUT="$WORK/pairs" \
  bench_wrk_until "$WORK/pairs" "$DOSSIERS" -t2 -c16 -d600s -s "$BENCH_DIR/submit.lua" "$BASE" >"$WORK/submit.txt"
cat "$WORK"/pairs.* | awk '{print $3, $4, $5}' >"$WORK/submitted.txt"
echo "   submitted $(wc -l <"$WORK/submitted.txt")"

echo "== 1. baseline: pgbench INSERT transaction, $CONNECTIONS clients"
bench_pgbench_insert "$CONNECTIONS" "$DURATION"
BASE_1=$PGBENCH_INSERT_TPS

echo "== 2. receive (each dossier once, by its agency's clerk)"
echo "   uptime: $(uptime)"
BENCH_ACTION=receive BENCH_ITEMS="$WORK/submitted.txt" BENCH_STAFF="$WORK/staff.txt" BENCH_THREADS=2 \
  BENCH_DONE_OUT="$WORK/receive-done" bench_wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$BENCH_DIR/transitions.lua" "$BASE" >"$WORK/receive.txt"
grep -E "RESULT|peak server RSS|server CPU" "$WORK/receive.txt" | sed 's/^/   /'
if [[ "$(result exhausted "$WORK/receive.txt")" == true ]]; then
  echo "   (every dossier received before the time was up: the rate is over the whole ${DURATION}s; raise DOSSIERS)"
fi

echo "== 3. assign and re-assign between two specialists"
echo "   uptime: $(uptime)"
# Only the dossiers whose reception was answered within the time, at the version the answer gave
# (the others are still submitted: assigning them would be a 412).
cat "$WORK"/receive-done.* >"$WORK/received.txt"
BENCH_ACTION=assign BENCH_ITEMS="$WORK/received.txt" BENCH_STAFF="$WORK/staff.txt" BENCH_THREADS=2 \
  bench_wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$BENCH_DIR/transitions.lua" "$BASE" >"$WORK/assign.txt"
grep -E "RESULT|peak server RSS|server CPU" "$WORK/assign.txt" | sed 's/^/   /'
ASSIGN_RSS=$PEAK_RSS_KIB

echo "== 4. baseline again: pgbench INSERT transaction"
bench_pgbench_insert "$CONNECTIONS" "$DURATION"
BASE_2=$PGBENCH_INSERT_TPS
BASELINE=$(( (BASE_1 + BASE_2) / 2 ))

echo "== summary ($BACKEND, $(date -u +%FT%TZ), load: $(cut -d' ' -f1-3 /proc/loadavg))"
printf '   %-30s %10s %9s %9s %10s %s\n' scenario "2xx/s" "p50 ms" "p99 ms" "× pgbench" "non-2xx"
for scenario in receive assign; do
  file="$WORK/$scenario.txt"
  printf '   %-30s %10s %9s %9s %10s %s\n' "$scenario" "$(result rate_2xx "$file")" "$(result p50_ms "$file")" \
    "$(result p99_ms "$file")" "$(ratio "$(result rate_2xx "$file")" "$BASELINE")" "$(result non_2xx "$file")"
done
printf '   %-30s %10s   (runs: %s, %s; peak RSS while assigning %s MiB)\n' "pgbench INSERT transaction" \
  "$BASELINE" "$BASE_1" "$BASE_2" "$((ASSIGN_RSS / 1024))"
