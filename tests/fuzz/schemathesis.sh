#!/usr/bin/env bash
# Property-based fuzzing of the whole API with schemathesis, driven by /openapi.json: every
# operation is called with generated valid and invalid data, as a signed-in province-wide admin,
# and the run fails on any 5xx, any response that does not match the documented schema or
# content type. Two runs: the stateless phases (examples, coverage, fuzzing) operation by
# operation, then the stateful phase, which chains operations through the links schemathesis
# infers from the document (the id a POST returns fed to the GET/PUT/POST on that id), so
# generated requests reach real drafts, procedures and agencies instead of 404s. Used by .ci/run
# with short time budgets, once per backend.
#
# Usage: tests/fuzz/schemathesis.sh [sqlite|postgres] [BINARY]
#   MAX_TIME=60 (seconds for the stateless phases)  STATEFUL_TIME=60 (seconds for the stateful one)
#   BINARY: a built `motcua` (default: $CARGO_TARGET_DIR/debug/motcua, built if missing)
#   postgres: a throw-away database motcua_fuzz_<random> on 127.0.0.1:5432 (user postgres, trust
#   auth), dropped at the end.
# Needs: python3 -m pip install schemathesis
set -euo pipefail
cd "$(dirname "$0")/../.."
BACKEND="${1:-sqlite}"
MAX_TIME="${MAX_TIME:-60}"
STATEFUL_TIME="${STATEFUL_TIME:-60}"
BIN="${2:-${CARGO_TARGET_DIR:-target}/debug/motcua}"
[ -x "$BIN" ] || cargo build --quiet --bin motcua
WORK="$(mktemp -d)"
PORT="${PORT:-18090}"
PG_NAME=""
case "$BACKEND" in
  sqlite) DATABASE_URL="sqlite://$WORK/motcua.db?mode=rwc" ;;
  postgres)
    PG_NAME="motcua_fuzz_$RANDOM$RANDOM"
    psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE \"$PG_NAME\""
    DATABASE_URL="postgres://postgres@127.0.0.1:5432/$PG_NAME" ;;
  *) echo "usage: $0 [sqlite|postgres] [BINARY]" >&2; exit 2 ;;
esac
export MOTCUA_DATABASE_URL="$DATABASE_URL" MOTCUA_DATA_DIR="$WORK/data" \
  MOTCUA_LISTEN="127.0.0.1:$PORT" MOTCUA_DEMO=true RUST_LOG=warn MOTCUA_LOG_FORMAT=pretty \
  MOTCUA_PAYMENT_HMAC_SECRET="fuzz-secret"
SERVER=""
cleanup() {
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null || true; fi
  if [ -n "$PG_NAME" ]; then psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS \"$PG_NAME\" WITH (FORCE)"; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
"$BIN" migrate >/dev/null
echo 'Fuzzing-passphrase-2026!' | "$BIN" create-admin --email fuzz-admin@tinh.gov.vn >/dev/null
"$BIN" serve > "$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health/ready" >/dev/null && break; sleep 0.2; done
TOKEN="$(curl -sf -X POST "http://127.0.0.1:$PORT/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"username": "fuzz-admin@tinh.gov.vn", "password": "Fuzzing-passphrase-2026!"}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')"

# Excluded: sign-out and key rotation would end the fuzzer's own session midway.
fuzz() { # phases, seconds
  st run "http://127.0.0.1:$PORT/openapi.json" \
    --header "Authorization: Bearer $TOKEN" \
    --checks not_a_server_error,response_schema_conformance,content_type_conformance \
    --exclude-path /api/v1/auth/logout --exclude-path /api/v1/admin/signing-keys/rotate \
    --phases "$1" --max-time "$2" --workers 1 \
    --suppress-health-check all --warnings off
}
echo "=== schemathesis on $BACKEND: stateless phases (${MAX_TIME} s), then stateful (${STATEFUL_TIME} s)"
status=0
fuzz examples,coverage,fuzzing "$MAX_TIME" || status=$?
fuzz stateful "$STATEFUL_TIME" || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- server log (tail)"; tail -n 40 "$WORK/server.log"
fi
exit "$status"
