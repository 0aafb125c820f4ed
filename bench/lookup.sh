#!/usr/bin/env bash
# Public status lookup throughput (GET /api/v1/lookup/{code}?secret=) on a release build, with
# the physical ceiling measured in the same run.
#
# Usage: bench/lookup.sh sqlite|postgres
#   DURATION=15 (seconds per measurement)  CONNECTIONS=16 (wrk connections = pgbench clients)
#   DOSSIERS=5000 (submitted dossiers the lookups cycle over)  HOT=200 (the hot set of step 2b)
# Needs wrk, curl, python3, psql and pgbench, and a PostgreSQL reachable as $PGUSER@$PGHOST:$PGPORT
# (default postgres@127.0.0.1:5432) even for the SQLite run: the pgbench baseline runs there.
#
# What it does: fresh database and server as bench/submissions.sh (MOTCUA_LOOKUPS_PER_MINUTE
# raised so the per-address limit does not throttle the one load generator), DOSSIERS drafts
# submitted (their codes and lookup secrets kept), then
#   1. pgbench: one primary-key SELECT of a dossier-sized row (bench/pgbench_select.sql,
#      prepared), same client count — the ceiling of a database read;
#   2. wrk cycling over the (code, secret) pairs (bench/lookup.lua): on SQLite, with its default
#      one-second cache life, most of these miss the cache and read the database; on PostgreSQL,
#      whose default life is a minute (every change is announced to every replica), nearly all
#      are answered from the cache after the first pass — MOTCUA_LOOKUP_CACHE_MS=1000 measures
#      the misses there;
#   2b. the same over a hot set of HOT dossiers: nearly all answered from the cache;
#   3. a cheap endpoint without a database (GET /health/live) — the ceiling of the HTTP stack
#      with wrk on the same two cores;
#   4. pgbench again (the baseline is the mean of both runs).
set -euo pipefail
BACKEND="${1:?usage: bench/lookup.sh sqlite|postgres}"
source "$(dirname "$0")/lib.sh"
DURATION="${DURATION:-15}"
CONNECTIONS="${CONNECTIONS:-16}"
DOSSIERS="${DOSSIERS:-5000}"
HOT="${HOT:-200}"
export MOTCUA_LOOKUPS_PER_MINUTE="${MOTCUA_LOOKUPS_PER_MINUTE:-1000000000}"

bench_machine
echo "== backend: $BACKEND, $CONNECTIONS connections, ${DURATION}s per measurement, $DOSSIERS dossiers"
bench_start "$BACKEND"
echo "== server idle RSS: $(( $(ps -o rss= -p "$SERVER") / 1024 )) MiB"
bench_setup_catalogue

echo "== 0. $DOSSIERS submitted dossiers"
bench_create_drafts "$DOSSIERS" "$WORK/drafts.ids"
BENCH_IDS="$WORK/drafts.ids" BENCH_TOKEN="$CITIZEN_TOKEN" BENCH_THREADS=2 BENCH_PAIRS_OUT="$WORK/pairs" \
  bench_wrk_until "$WORK/pairs" "$DOSSIERS" -t2 -c16 -d600s -s "$BENCH_DIR/submit.lua" "$BASE" >"$WORK/submit.txt"
cat "$WORK"/pairs.* >"$WORK/pairs.txt"
echo "   submitted $(wc -l <"$WORK/pairs.txt")"
sleep 2 # let the outbox worker send the submission notices

echo "== 1. baseline: pgbench primary-key SELECT, $CONNECTIONS clients"
bench_pgbench_select "$CONNECTIONS" "$DURATION"
BASE_1=$PGBENCH_SELECT_TPS

echo "== 2. public lookups, cycling over $(wc -l <"$WORK/pairs.txt") dossiers"
echo "   uptime: $(uptime)"
BENCH_PAIRS="$WORK/pairs.txt" \
  bench_wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$BENCH_DIR/lookup.lua" "$BASE" >"$WORK/lookup.txt"
grep -E "RESULT|peak server RSS|server CPU" "$WORK/lookup.txt" | sed 's/^/   /'
LOOKUP_RSS=$PEAK_RSS_KIB

echo "== 2b. public lookups over a hot set: the first $HOT of those dossiers (answered from the cache)"
head -n "$HOT" "$WORK/pairs.txt" >"$WORK/hot.txt"
BENCH_PAIRS="$WORK/hot.txt" \
  bench_wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$BENCH_DIR/lookup.lua" "$BASE" >"$WORK/hot.txt.out"
grep -E "RESULT|peak server RSS|server CPU" "$WORK/hot.txt.out" | sed 's/^/   /'

echo "== 3. HTTP ceiling: GET /health/live"
BENCH_PAIRS="$WORK/pairs.txt" \
  bench_wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$BENCH_DIR/wrk_common.lua" "$BASE/health/live" >"$WORK/live.txt"
grep -E "RESULT" "$WORK/live.txt" | sed 's/^/   /'

echo "== 4. baseline again: pgbench primary-key SELECT"
bench_pgbench_select "$CONNECTIONS" "$DURATION"
BASE_2=$PGBENCH_SELECT_TPS
BASELINE=$(( (BASE_1 + BASE_2) / 2 ))

echo "== summary ($BACKEND, $(date -u +%FT%TZ), load: $(cut -d' ' -f1-3 /proc/loadavg))"
printf '   %-30s %10s %9s %9s %10s %s\n' scenario "2xx/s" "p50 ms" "p99 ms" "× pgbench" "non-2xx / peak RSS"
printf '   %-30s %10s %9s %9s %10s %s\n' "public lookup" "$(result rate_2xx "$WORK/lookup.txt")" \
  "$(result p50_ms "$WORK/lookup.txt")" "$(result p99_ms "$WORK/lookup.txt")" \
  "$(ratio "$(result rate_2xx "$WORK/lookup.txt")" "$BASELINE")" "$(result non_2xx "$WORK/lookup.txt") / $((LOOKUP_RSS / 1024)) MiB"
printf '   %-30s %10s %9s %9s %10s %s\n' "public lookup, hot set of $HOT" "$(result rate_2xx "$WORK/hot.txt.out")" \
  "$(result p50_ms "$WORK/hot.txt.out")" "$(result p99_ms "$WORK/hot.txt.out")" \
  "$(ratio "$(result rate_2xx "$WORK/hot.txt.out")" "$BASELINE")" "$(result non_2xx "$WORK/hot.txt.out")"
printf '   %-30s %10s %9s %9s %10s\n' "GET /health/live" "$(result rate_2xx "$WORK/live.txt")" \
  "$(result p50_ms "$WORK/live.txt")" "$(result p99_ms "$WORK/live.txt")" \
  "$(ratio "$(result rate_2xx "$WORK/live.txt")" "$BASELINE")"
printf '   %-30s %10s   (runs: %s, %s)\n' "pgbench primary-key SELECT" "$BASELINE" "$BASE_1" "$BASE_2"
