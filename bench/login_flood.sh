#!/usr/bin/env bash
# Login throughput, and the p99 of a cheap endpoint (GET /api/v1/agencies) alone and during a
# login flood, on a release build with a fresh SQLite database (demo data).
# Usage: bench/login_flood.sh            (needs wrk: apt-get install wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${DURATION:-15s}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
cargo build --release --quiet --bin motcua
BIN="$CARGO_TARGET_DIR/release/motcua"
WORK="$(mktemp -d)"
PORT="${PORT:-18080}"
trap 'kill "$SERVER" 2>/dev/null || true; rm -rf "$WORK"' EXIT
MOTCUA_DATABASE_URL="sqlite://$WORK/motcua.db?mode=rwc" MOTCUA_DATA_DIR="$WORK/data" MOTCUA_LISTEN="127.0.0.1:$PORT" \
  MOTCUA_DEMO=true RUST_LOG=warn "$BIN" serve &
SERVER=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/health/ready" >/dev/null && break; sleep 0.2; done
BASE="http://127.0.0.1:$PORT"

echo "== machine: $(nproc) cores, $(uname -r)"
echo "== 1. cheap endpoint alone: GET /api/v1/agencies, 16 connections, $DURATION"
wrk -t2 -c16 -d"$DURATION" --latency "$BASE/api/v1/agencies" | grep -E "Requests/sec|^ +(50|99)%|Non-2xx"
echo "== 2. login throughput alone: POST /api/v1/auth/login, 16 connections, $DURATION"
wrk -t2 -c16 -d"$DURATION" --latency -s bench/login.lua "$BASE/api/v1/auth/login" | grep -E "Requests/sec|^ +(50|99)%|Non-2xx"
echo "== 3. cheap endpoint during a login flood (64 connections logging in)"
wrk -t1 -c64 -d"$DURATION" -s bench/login.lua "$BASE/api/v1/auth/login" > "$WORK/flood.txt" &
FLOOD=$!
sleep 1
wrk -t1 -c16 -d"$DURATION" --latency "$BASE/api/v1/agencies" | grep -E "Requests/sec|^ +(50|99)%|Non-2xx"
wait "$FLOOD"
echo "   flood itself:"; grep -E "Requests/sec|Non-2xx" "$WORK/flood.txt"
echo "== server RSS after the run: $(ps -o rss= -p "$SERVER") KiB"
