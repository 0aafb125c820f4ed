#!/usr/bin/env bash
# The mixed workload of issue 9 on a release build: of every 10 requests, 7 public lookups,
# 2 submissions and 1 desk transition (bench/mixed.lua), with the pgbench INSERT and SELECT
# ceilings measured in the same run.
#
# Usage: bench/mixed.sh sqlite|postgres
#   DURATION=15 (seconds)  CONNECTIONS=32  DRAFTS=20000 (drafts ready to submit)
#   DOSSIERS=3000 (received dossiers for the transitions and codes for the lookups)
# Needs wrk, curl, python3, psql and pgbench, and PostgreSQL as bench/transitions.sh.
#
# What it does: fresh database and server as bench/submissions.sh; a clerk and two specialists in
# every demo agency; DOSSIERS dossiers submitted and received (their codes and secrets feed the
# lookups, the dossiers the assignments); DRAFTS drafts; then pgbench INSERT, the mixed run,
# pgbench SELECT. The rate reported is of 2xx answers of all kinds together; the goal is
# ≥ 6,000 req/s with zero errors.
set -euo pipefail
BACKEND="${1:?usage: bench/mixed.sh sqlite|postgres}"
source "$(dirname "$0")/lib.sh"
DURATION="${DURATION:-15}"
CONNECTIONS="${CONNECTIONS:-32}"
DRAFTS="${DRAFTS:-20000}"
DOSSIERS="${DOSSIERS:-3000}"

# Every lookup comes from 127.0.0.1: lift the per-address limit, as bench/lookup.sh does.
export MOTCUA_LOOKUPS_PER_MINUTE="${MOTCUA_LOOKUPS_PER_MINUTE:-1000000000}"

bench_machine
echo "== backend: $BACKEND, $CONNECTIONS connections, ${DURATION}s, $DRAFTS drafts, $DOSSIERS received dossiers"
bench_start "$BACKEND"
bench_setup_catalogue

echo "== 0. staff, $DOSSIERS submitted and received dossiers, $DRAFTS drafts"
bench_setup_staff
bench_create_drafts "$DOSSIERS" "$WORK/first.ids"
BENCH_IDS="$WORK/first.ids" BENCH_TOKEN="$CITIZEN_TOKEN" BENCH_THREADS=2 BENCH_PAIRS_OUT="$WORK/pairs" \
  bench_wrk_until "$WORK/pairs" "$DOSSIERS" -t2 -c16 -d600s -s "$BENCH_DIR/submit.lua" "$BASE" >"$WORK/submit.txt"
cat "$WORK"/pairs.* >"$WORK/pairs.txt"
awk '{print $3, $4, $5}' "$WORK/pairs.txt" >"$WORK/submitted.txt"
BENCH_ACTION=receive BENCH_ITEMS="$WORK/submitted.txt" BENCH_STAFF="$WORK/staff.txt" BENCH_THREADS=2 \
  BENCH_DONE_OUT="$WORK/receive-done" bench_wrk_until "$WORK/receive-done" "$(wc -l <"$WORK/submitted.txt")" \
  -t2 -c16 -d600s -s "$BENCH_DIR/transitions.lua" "$BASE" >"$WORK/receive.txt"
echo "   received $(cat "$WORK"/receive-done.* | wc -l) of $(wc -l <"$WORK/submitted.txt")"
# Only the dossiers whose reception was answered, at the version the answer gave: a thread that
# stops drops the answers still in flight, and assigning a dossier not received would be a 412.
cat "$WORK"/receive-done.* >"$WORK/received.txt"
bench_create_drafts "$DRAFTS" "$WORK/drafts.ids"
CITIZEN_TOKEN=$(bench_login "$CITIZEN_EMAIL") # a fresh 15-minute access token

echo "== 1. baseline: pgbench INSERT transaction, 16 clients"
bench_pgbench_insert 16 "$DURATION"

echo "== 2. mixed: 70% lookup / 20% submission / 10% assignment, $CONNECTIONS connections"
echo "   uptime: $(uptime)"
BENCH_PAIRS="$WORK/pairs.txt" BENCH_IDS="$WORK/drafts.ids" BENCH_TOKEN="$CITIZEN_TOKEN" \
  BENCH_ITEMS="$WORK/received.txt" BENCH_STAFF="$WORK/staff.txt" BENCH_THREADS=2 \
  bench_wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$BENCH_DIR/mixed.lua" "$BASE" >"$WORK/mixed.txt"
grep -E "RESULT|peak server RSS|server CPU" "$WORK/mixed.txt" | sed 's/^/   /'
if [[ "$(result exhausted "$WORK/mixed.txt")" == true ]]; then echo "   WARNING: ran out of drafts or dossiers; raise DRAFTS" >&2; fi
MIXED_RSS=$PEAK_RSS_KIB

echo "== 3. baseline: pgbench primary-key SELECT, $CONNECTIONS clients"
bench_pgbench_select "$CONNECTIONS" "$DURATION"

echo "== summary ($BACKEND, $(date -u +%FT%TZ), load: $(cut -d' ' -f1-3 /proc/loadavg))"
printf '   %-34s %10s %9s %9s %s\n' scenario "2xx/s" "p50 ms" "p99 ms" "non-2xx / peak RSS"
printf '   %-34s %10s %9s %9s %s\n' "mixed 70/20/10" "$(result rate_2xx "$WORK/mixed.txt")" \
  "$(result p50_ms "$WORK/mixed.txt")" "$(result p99_ms "$WORK/mixed.txt")" \
  "$(result non_2xx "$WORK/mixed.txt") / $((MIXED_RSS / 1024)) MiB"
printf '   %-34s %10s\n' "pgbench INSERT transaction" "$PGBENCH_INSERT_TPS" "pgbench primary-key SELECT" "$PGBENCH_SELECT_TPS"
