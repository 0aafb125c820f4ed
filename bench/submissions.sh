#!/usr/bin/env bash
# Submission throughput (POST /api/v1/dossiers/{id}/submit) on a release build, with the
# physical ceiling measured in the same run.
#
# Usage: bench/submissions.sh sqlite|postgres
#   DURATION=15 (seconds per measurement)  CONNECTIONS=16 (wrk connections = pgbench clients)
#   DRAFTS=<n> (drafts per scenario; default 8000 on SQLite, 15000 on PostgreSQL)
# Needs wrk (apt-get install wrk), curl, python3, psql and pgbench, and a PostgreSQL reachable as
# $PGUSER@$PGHOST:$PGPORT (default postgres@127.0.0.1:5432, trust auth) even for the SQLite run:
# the pgbench baseline runs there.
#
# What it does: fresh database (SQLite in a temp dir, or a throw-away PostgreSQL database
# motcua_bench_<random>, dropped at the end), `motcua serve` with the demo catalogue and the
# outbox worker on (mail to the .eml drop), an admin, a benchmark procedure without mandatory
# documents performed by every demo agency, a verified citizen; then
#   1. pgbench: BEGIN; INSERT one dossier-sized row; COMMIT (bench/pgbench_insert.sql), same
#      client count — the ceiling;
#   2. DRAFTS drafts spread over the agencies, each submitted once by wrk (bench/submit.lua):
#      real traffic;
#   3. DRAFTS drafts all for one agency: the worst case, every submission takes the same
#      per-agency-per-day running number;
#   4. pgbench again (the machine is shared: the baseline is the mean of both);
#   5. pg_test_fsync: the disk's flush rate.
# Each submission is one transaction: state change, audit event (hash chain), throughput records,
# running number, code and lookup secret, outbox mail job. Only 2xx answers count.
set -euo pipefail
BACKEND="${1:?usage: bench/submissions.sh sqlite|postgres}"
source "$(dirname "$0")/lib.sh"
DURATION="${DURATION:-15}"
CONNECTIONS="${CONNECTIONS:-16}"
if [[ "$BACKEND" == sqlite ]]; then DRAFTS="${DRAFTS:-8000}"; else DRAFTS="${DRAFTS:-15000}"; fi

bench_machine
echo "== backend: $BACKEND, $CONNECTIONS connections, ${DURATION}s per measurement, $DRAFTS drafts per scenario"
bench_start "$BACKEND"
echo "== server idle RSS: $(( $(ps -o rss= -p "$SERVER") / 1024 )) MiB"
bench_setup_catalogue
FIRST_AGENCY="${AGENCIES%% *}"

echo "== 0. drafts (POST /api/v1/dossiers with wrk)"
bench_create_drafts "$DRAFTS" "$WORK/spread.ids"
bench_create_drafts "$DRAFTS" "$WORK/one.ids" "$FIRST_AGENCY"

echo "== 1. baseline: pgbench INSERT transaction, $CONNECTIONS clients"
bench_pgbench_insert "$CONNECTIONS" "$DURATION"
BASE_1=$PGBENCH_INSERT_TPS

submit_run() {
  local ids="$1" out="$2"
  CITIZEN_TOKEN=$(bench_login "$CITIZEN_EMAIL") # a fresh 15-minute access token
  BENCH_IDS="$ids" BENCH_TOKEN="$CITIZEN_TOKEN" BENCH_THREADS=2 \
    bench_wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$BENCH_DIR/submit.lua" "$BASE" >"$out"
  grep -E "RESULT|peak server RSS|server CPU" "$out" | sed 's/^/   /'
  if [[ "$(result exhausted "$out")" == true ]]; then echo "   WARNING: ran out of drafts; raise DRAFTS" >&2; fi
}

echo "== 2. submissions spread over $(wc -w <<<"$AGENCIES") agencies"
echo "   uptime: $(uptime)"
submit_run "$WORK/spread.ids" "$WORK/spread.txt"
SPREAD_RSS=$PEAK_RSS_KIB

echo "== 3. worst case: every submission to agency $FIRST_AGENCY (one running-number row)"
echo "   uptime: $(uptime)"
submit_run "$WORK/one.ids" "$WORK/one.txt"
ONE_RSS=$PEAK_RSS_KIB

echo "== 4. baseline again: pgbench INSERT transaction"
bench_pgbench_insert "$CONNECTIONS" "$DURATION"
BASE_2=$PGBENCH_INSERT_TPS
BASELINE=$(( (BASE_1 + BASE_2) / 2 ))

echo "== 5. disk flush rate"
bench_pg_test_fsync

echo "== summary ($BACKEND, $(date -u +%FT%TZ), load: $(cut -d' ' -f1-3 /proc/loadavg))"
printf '   %-34s %10s %9s %9s %8s %s\n' scenario "2xx/s" "p50 ms" "p99 ms" "× pgbench" "non-2xx / peak RSS"
for scenario in spread one; do
  file="$WORK/$scenario.txt"
  rss=$SPREAD_RSS; [[ $scenario == one ]] && rss=$ONE_RSS
  label="submissions over every agency"; [[ $scenario == one ]] && label="submissions to one agency"
  printf '   %-34s %10s %9s %9s %8s %s\n' "$label" "$(result rate_2xx "$file")" "$(result p50_ms "$file")" \
    "$(result p99_ms "$file")" "$(ratio "$(result rate_2xx "$file")" "$BASELINE")" \
    "$(result non_2xx "$file") / $((rss / 1024)) MiB"
done
printf '   %-34s %10s   (runs: %s, %s)\n' "pgbench INSERT transaction" "$BASELINE" "$BASE_1" "$BASE_2"
printf '   %-34s %10s   (spread × fsync: %s)\n' "pg_test_fsync fdatasync ops/s" "${FSYNC_PER_SEC:-?}" \
  "$(ratio "$(result rate_2xx "$WORK/spread.txt")" "${FSYNC_PER_SEC:-0}")"
