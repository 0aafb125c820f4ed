#!/usr/bin/env bash
# Latency of the 766 indicator query (GET /api/v1/indicators) and of the dashboard's breakdowns
# (GET /api/v1/indicators/by-agency, /by-month) over generated dossiers, on a release build.
#
# Usage: bench/indicators.sh sqlite|postgres
#   COUNTS="1000000 10000000" (dossiers generated, one fresh database each)  DAYS=365 (spread)
#   DURATION=10 (seconds per filter)  CONNECTIONS=2 (wrk connections: latency, not throughput)
#   WARMUP=3 (seconds of the same load before each measurement, not counted: the pool's second
#   connection, first plans, and the worker's fold at start-up are not what is measured)
#   SEED=766  KEEP_DB=1 (keep each generated database and print its URL)
#   REUSE_DB=<database URL> (measure a database kept by KEEP_DB=1 instead of generating one:
#   migrated first, so a later schema change is measured on the same dossiers; COUNTS then only
#   labels the rows)
# Needs wrk, curl, python3 and psql (the PostgreSQL run: a server reachable as
# $PGUSER@$PGHOST:$PGPORT, default postgres@127.0.0.1:5432).
#
# For each count: a fresh database (SQLite: a file in a temp dir; PostgreSQL: database
# motcua_bench_<random>, dropped at the end), `motcua migrate`, `motcua seed-demo` (6 agencies,
# the 20 demo procedures), `motcua generate-dossiers --count N --days DAYS` (timed), the database
# size and row counts, then `motcua serve` and wrk on each request of FILTERS below for DURATION seconds, reporting p50/p99 with the load average beside them.
set -euo pipefail
BACKEND="${1:?usage: bench/indicators.sh sqlite|postgres}"
source "$(dirname "$0")/lib.sh"
COUNTS="${COUNTS:-1000000 10000000}"
DAYS="${DAYS:-365}"
DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-2}"
WARMUP="${WARMUP:-3}"
SEED="${SEED:-766}"
case "$BACKEND" in sqlite | postgres) ;; *) echo "backend must be sqlite or postgres, not '$BACKEND'" >&2; exit 2 ;; esac
bench_need wrk curl psql python3

TODAY=$(TZ=Asia/Ho_Chi_Minh date +%F)
YEAR_AGO=$(TZ=Asia/Ho_Chi_Minh date -d "$TODAY - $((DAYS - 1)) days" +%F)
MONTH_START=$(TZ=Asia/Ho_Chi_Minh date -d "$TODAY" +%Y-%m-01)
LAST_MONTH_START=$(TZ=Asia/Ho_Chi_Minh date -d "$MONTH_START - 1 month" +%F)
LAST_MONTH_END=$(TZ=Asia/Ho_Chi_Minh date -d "$MONTH_START - 1 day" +%F)
# A period cut mid-month at both ends (the 15th of the first month to the 20th of the last).
MID_FROM=$(TZ=Asia/Ho_Chi_Minh date -d "$YEAR_AGO" +%Y-%m-15)
MID_TO=$(TZ=Asia/Ho_Chi_Minh date -d "$LAST_MONTH_START" +%Y-%m-20)
# name|path?query (under /api/v1): the indicator query with seven filters, then the dashboard's
# two breakdowns (each one read of the aggregates for all its agencies or months).
FILTERS=(
  "province, whole period|indicators?from=$YEAR_AGO&to=$TODAY"
  "province, last month|indicators?from=$LAST_MONTH_START&to=$LAST_MONTH_END"
  "province, month to date|indicators?from=$MONTH_START&to=$TODAY"
  "one agency, whole period|indicators?from=$YEAR_AGO&to=$TODAY&agency=000.17.22.H56"
  "communes, one field, period|indicators?from=$YEAR_AGO&to=$TODAY&level=commune&field=H%E1%BB%99%20t%E1%BB%8Bch"
  "one procedure, last month|indicators?from=$LAST_MONTH_START&to=$LAST_MONTH_END&procedure=1.004873"
  "province, mid-month to mid-month|indicators?from=$MID_FROM&to=$MID_TO"
  "by agency, whole period|indicators/by-agency?from=$YEAR_AGO&to=$TODAY"
  "by month, whole period|indicators/by-month?from=$YEAR_AGO&to=$TODAY"
)

(cd "$REPO_DIR" && cargo build --release --quiet --bin motcua)
WORK="$(mktemp -d -p "${BENCH_TMP:-/var/tmp}" motcua-bench.XXXXXX)"
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

stop_server() {
  if [[ -n "$SERVER" ]] && kill -0 "$SERVER" 2>/dev/null; then
    kill -TERM "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
  fi
  SERVER=""
}

drop_database() {
  if [[ -n "${KEEP_DB:-}" || -n "${REUSE_DB:-}" ]]; then
    echo "   kept: $url"
    BENCH_DB=""
    return
  fi
  if [[ -n "$BENCH_DB" ]]; then
    psql -q -d postgres -c "DROP DATABASE IF EXISTS \"$BENCH_DB\" WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  rm -f "$WORK"/motcua.db*
}

bench_machine
echo "== backend: $BACKEND, counts: $COUNTS, $DAYS days, $CONNECTIONS connections, ${DURATION}s per filter"
declare -a SUMMARY=()
for COUNT in $COUNTS; do
  if [[ -n "${REUSE_DB:-}" ]]; then
    BENCH_DB=""; url="$REUSE_DB"
  else
    case "$BACKEND" in
      sqlite)
        # A kept file lives outside the work directory, which is removed at the end.
        file="$WORK/motcua.db"
        [[ -n "${KEEP_DB:-}" ]] && file="${BENCH_TMP:-/var/tmp}/motcua-indicators-$COUNT-$$.db"
        BENCH_DB=""; url="sqlite://$file?mode=rwc" ;;
      postgres)
        BENCH_DB="motcua_bench_$(date +%s)_$$_$RANDOM"
        psql -q -d postgres -c "CREATE DATABASE \"$BENCH_DB\"" >/dev/null
        url="postgres://$PGUSER@$PGHOST:$PGPORT/$BENCH_DB" ;;
    esac
  fi
  export MOTCUA_DATABASE_URL="$url" MOTCUA_DATA_DIR="$WORK/data" MOTCUA_LISTEN="127.0.0.1:$PORT"
  export MOTCUA_PUBLIC_URL="$BASE" RUST_LOG="${RUST_LOG:-warn}"
  "$BIN" migrate >/dev/null
  if [[ -n "${REUSE_DB:-}" ]]; then
    echo "== $COUNT dossiers: reusing $url"
  else
    "$BIN" seed-demo >/dev/null
    echo "== $COUNT dossiers: generating (load before: $(cut -d' ' -f1-3 /proc/loadavg))"
    started=$(date +%s.%N)
    RUST_LOG=info "$BIN" generate-dossiers --count "$COUNT" --seed "$SEED" --days "$DAYS"
    generated_s=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.0f}')" "$started" "$(date +%s.%N)")
    echo "   generated in ${generated_s}s (load after: $(cut -d' ' -f1-3 /proc/loadavg))"
  fi
  case "$BACKEND" in
    sqlite)
      file="${url#sqlite://}"; file="${file%%\?*}"
      size=$(du -h "$file" | cut -f1)
      records=$(python3 -c "
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print(', '.join('%s %s' % (db.execute('select count(*) from ' + t).fetchone()[0], t) for t in ('throughput_records', 'throughput_pair_months', 'open_dossier_counts')))" "$file") ;;
    postgres)
      size=$(psql -tA -d "$url" -c "SELECT pg_size_pretty(pg_database_size(current_database()))")
      psql -q -d "$url" -c "VACUUM ANALYZE" >/dev/null
      records=$(psql -tA -d "$url" -c "SELECT (SELECT count(*) FROM throughput_records) || ' throughput_records, ' || (SELECT count(*) FROM throughput_pair_months) || ' throughput_pair_months, ' || (SELECT count(*) FROM open_dossier_counts) || ' open_dossier_counts'") ;;
  esac
  echo "   database: $size; rows: $records"
  "$BIN" serve >"$WORK/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 300); do
    curl -sf "$BASE/health/ready" >/dev/null 2>&1 && break
    kill -0 "$SERVER" 2>/dev/null || { cat "$WORK/server.log" >&2; echo "server exited" >&2; exit 1; }
    sleep 0.2
  done
  for filter in "${FILTERS[@]}"; do
    name="${filter%%|*}"
    query="${filter#*|}"
    # One request first: the figures it answers, and a warm cache for the rest.
    curl -sf "$BASE/api/v1/$query" | python3 -c '
import json, sys
r = json.load(sys.stdin)
items = r["items"] if "items" in r else (r.get("agencies") or r.get("months"))[-1]["items"]
print("   " + sys.argv[1] + ": " + ", ".join("%s=%s/%s" % (i["key"], i["numerator"], i["denominator"]) for i in items[1:4]))' "$name"
    out="$WORK/wrk.$RANDOM"
    wrk -t1 -c"$CONNECTIONS" -d"${WARMUP}s" "$BASE/api/v1/$query" >/dev/null
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    bench_wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$BENCH_DIR/wrk_common.lua" \
      "$BASE/api/v1/$query" >"$out"
    SUMMARY+=("$(printf '%-9s %10s  %-32s %9s %9s %9s  %s' "$BACKEND" "$COUNT" "$name" \
      "$(result rate_2xx "$out")" "$(result p50_ms "$out")" "$(result p99_ms "$out")" "$load")")
    grep -E "RESULT" "$out" | sed 's/^/   /'
  done
  stop_server
  drop_database
done

echo "== summary ($BACKEND, $(date -u +%FT%TZ), load: $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%-9s %10s  %-32s %9s %9s %9s  %s\n' backend dossiers filter "2xx/s" "p50 ms" "p99 ms" "load (1/5/15 min) at start"
printf '%s\n' "${SUMMARY[@]}"
