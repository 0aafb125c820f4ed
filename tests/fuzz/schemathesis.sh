#!/usr/bin/env bash
# Property-based fuzzing of the whole API with schemathesis, driven by /openapi.json: every
# operation is called with generated valid and invalid data, as a signed-in province-wide admin,
# and the run fails on any 5xx, any response that does not match the documented schema or
# content type. Used by .ci/run with a short time budget.
#
# Usage: tests/fuzz/schemathesis.sh [BINARY]      (MAX_TIME=60 seconds by default)
#   BINARY: a built `motcua` (default: $CARGO_TARGET_DIR/debug/motcua, built if missing)
# Needs: python3 -m pip install schemathesis
set -euo pipefail
cd "$(dirname "$0")/../.."
MAX_TIME="${MAX_TIME:-60}"
BIN="${1:-${CARGO_TARGET_DIR:-target}/debug/motcua}"
[ -x "$BIN" ] || cargo build --quiet --bin motcua
WORK="$(mktemp -d)"
PORT="${PORT:-18090}"
export MOTCUA_DATABASE_URL="sqlite://$WORK/motcua.db?mode=rwc" MOTCUA_DATA_DIR="$WORK/data" \
  MOTCUA_LISTEN="127.0.0.1:$PORT" MOTCUA_DEMO=true RUST_LOG=warn MOTCUA_LOG_FORMAT=pretty \
  MOTCUA_PAYMENT_HMAC_SECRET="fuzz-secret"
SERVER=""
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$WORK"' EXIT
"$BIN" migrate >/dev/null
echo 'Fuzzing-passphrase-2026!' | "$BIN" create-admin --email fuzz-admin@tinh.gov.vn >/dev/null
"$BIN" serve > "$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health/ready" >/dev/null && break; sleep 0.2; done
TOKEN="$(curl -sf -X POST "http://127.0.0.1:$PORT/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"username": "fuzz-admin@tinh.gov.vn", "password": "Fuzzing-passphrase-2026!"}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')"

# Excluded: sign-out and key rotation would end the fuzzer's own session midway.
status=0
st run "http://127.0.0.1:$PORT/openapi.json" \
  --header "Authorization: Bearer $TOKEN" \
  --checks not_a_server_error,response_schema_conformance,content_type_conformance \
  --exclude-path /api/v1/auth/logout --exclude-path /api/v1/admin/signing-keys/rotate \
  --phases examples,coverage,fuzzing --max-time "$MAX_TIME" --workers 1 \
  --suppress-health-check all --warnings off || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- server log (tail)"; tail -n 40 "$WORK/server.log"
fi
exit "$status"
