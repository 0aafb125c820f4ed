# Shared helpers of the bench/*.sh scripts; source it, do not run it.
#
# bench_start BACKEND   builds the release binary, creates a throw-away database (SQLite: a temp
#                       dir; PostgreSQL: database motcua_bench_<random> on $PGHOST, dropped at the
#                       end), starts `motcua serve` with the demo catalogue and the outbox worker on
#                       (mail goes to the .eml drop under $WORK/data/mail, as in production without
#                       SMTP), waits for /health/ready, and installs a cleanup trap.
# bench_setup_catalogue creates an administrator, a benchmark procedure (no mandatory document,
#                       a two-field form, performed by every demo agency) and a verified citizen;
#                       sets ADMIN_TOKEN, CITIZEN_TOKEN, AGENCIES (space separated).
# bench_setup_staff     a clerk and two specialists in every agency, in $WORK/staff.txt.
# bench_create_drafts N FILE [AGENCY]  creates N drafts with wrk (spread over AGENCIES, or all for
#                       AGENCY), their ids one per line in FILE.
# bench_wrk …           runs wrk with the given arguments, sampling the server's RSS meanwhile;
#                       prints wrk's output and sets PEAK_RSS_KIB.
# bench_pgbench_insert C D  / bench_pgbench_select C D  / bench_pg_test_fsync: the baselines.
#
# Environment: PGHOST (127.0.0.1), PGPORT (5432), PGUSER (postgres), PORT (18090),
# CARGO_TARGET_DIR (target), MOTCUA_DB_MAX_CONNECTIONS (16), BENCH_SKIP_BUILD (set: do not rebuild),
# BENCH_SERVER_PREFIX (a command the server runs under, e.g. valgrind), BENCH_READY_SECONDS (60).

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export BENCH_DIR # the wrk scripts load wrk_common.lua from it
REPO_DIR="$(dirname "$BENCH_DIR")"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$REPO_DIR/target}"
PORT="${PORT:-18090}"
BASE="http://127.0.0.1:$PORT"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
BIN="$CARGO_TARGET_DIR/release/motcua"
BENCH_PROCEDURE="9.999001"
BENCH_PASSWORD="Bench-Passphrase-2026!"
SERVER=""
BENCH_DB=""
WORK=""

bench_need() {
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 2; }
  done
}

bench_cleanup() {
  local status=$?
  if [[ -n "$SERVER" ]] && kill -0 "$SERVER" 2>/dev/null; then
    kill -TERM "$SERVER" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$SERVER" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER" 2>/dev/null || true
  fi
  if [[ -n "$BENCH_DB" ]]; then
    psql -q -d postgres -c "DROP DATABASE IF EXISTS \"$BENCH_DB\" WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  if [[ -n "$WORK" && -z "${KEEP_WORK:-}" ]]; then rm -rf "$WORK"; fi
  exit "$status"
}

# The machine and its load, printed with every run (the project's rule: figures are ratios to a
# baseline taken in the same run, with the load average beside them).
bench_machine() {
  echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r)"
  echo "== uptime: $(uptime)"
}

bench_start() {
  local backend="$1"
  bench_need wrk curl psql pgbench python3
  case "$backend" in sqlite | postgres) ;; *) echo "backend must be sqlite or postgres, not '$backend'" >&2; exit 2 ;; esac
  # BENCH_SKIP_BUILD=1 measures the release binary already in $CARGO_TARGET_DIR as it is.
  [[ -n "${BENCH_SKIP_BUILD:-}" ]] || (cd "$REPO_DIR" && cargo build --release --quiet --bin motcua)
  WORK="$(mktemp -d -t motcua-bench.XXXXXX)"
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
  # The PostgreSQL database holds the pgbench scratch table on both backends, and motcua's
  # tables too when BACKEND is postgres.
  BENCH_DB="motcua_bench_$(date +%s)_$$_$RANDOM"
  psql -q -d postgres -c "CREATE DATABASE \"$BENCH_DB\"" >/dev/null
  bench_pg_scratch
  local url
  case "$backend" in
    sqlite) url="sqlite://$WORK/motcua.db?mode=rwc" ;;
    postgres) url="postgres://$PGUSER@$PGHOST:$PGPORT/$BENCH_DB" ;;
  esac
  export MOTCUA_DATABASE_URL="$url" MOTCUA_DATA_DIR="$WORK/data" MOTCUA_LISTEN="127.0.0.1:$PORT"
  export MOTCUA_DEMO=true MOTCUA_PUBLIC_URL="$BASE" RUST_LOG="${RUST_LOG:-warn}"
  # shellcheck disable=SC2086 # the prefix is a command line of its own
  ${BENCH_SERVER_PREFIX:-} "$BIN" serve >"$WORK/server.log" 2>&1 &
  SERVER=$!
  local ready_seconds="${BENCH_READY_SECONDS:-60}"
  for _ in $(seq 1 $((ready_seconds * 5))); do
    curl -sf "$BASE/health/ready" >/dev/null 2>&1 && return 0
    kill -0 "$SERVER" 2>/dev/null || { cat "$WORK/server.log" >&2; echo "server exited" >&2; exit 1; }
    sleep 0.2
  done
  cat "$WORK/server.log" >&2
  echo "server not ready after $ready_seconds s" >&2
  exit 1
}

# POST JSON; prints the body; fails unless the status is the expected one.
bench_post() {
  local path="$1" body="$2" token="${3:-}" expect="${4:-2}"
  local out status
  out="$(mktemp -p "$WORK")"
  status=$(curl -s -o "$out" -w '%{http_code}' -X POST "$BASE$path" -H 'content-type: application/json' \
    ${token:+-H "authorization: Bearer $token"} --data "$body")
  if [[ "$status" != "$expect"* ]]; then
    echo "POST $path answered $status: $(cat "$out")" >&2
    exit 1
  fi
  cat "$out"
}

json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# Signs in; prints the access token.
bench_login() {
  bench_post /api/v1/auth/login "{\"username\":\"$1\",\"password\":\"$BENCH_PASSWORD\"}" | json_field access_token
}

# The token of the verification mail sent to $1 (written by the outbox worker to the .eml drop).
bench_verification_token() {
  local email="$1"
  for _ in $(seq 1 100); do
    local token
    token=$(python3 - "$MOTCUA_DATA_DIR/mail" "$email" <<'EOF'
import email, email.policy, pathlib, re, sys
for path in sorted(pathlib.Path(sys.argv[1]).glob("*.eml")):
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    if sys.argv[2] not in str(message["To"]):
        continue
    for part in message.walk():
        if part.get_content_maintype() == "text":
            found = re.search(r"verify-email\?token=([A-Za-z0-9_-]+)", part.get_content())
            if found:
                print(found.group(1))
                sys.exit(0)
EOF
)
    if [[ -n "$token" ]]; then echo "$token"; return 0; fi
    sleep 0.2
  done
  echo "no verification mail for $email" >&2
  exit 1
}

bench_setup_catalogue() {
  local admin_email="bench.admin@motcua.local"
  echo "$BENCH_PASSWORD" | "$BIN" create-admin --email "$admin_email" >/dev/null
  ADMIN_TOKEN=$(bench_login "$admin_email")
  AGENCIES=$(curl -sf "$BASE/api/v1/agencies?per_page=100" |
    python3 -c 'import json,sys; print(" ".join(a["code"] for a in json.load(sys.stdin)["items"]))')
  local agency_list
  agency_list=$(python3 -c 'import json,sys; print(json.dumps(sys.argv[1].split()))' "$AGENCIES")
  bench_post /api/v1/admin/procedures "{\"code\":\"$BENCH_PROCEDURE\",\"name\":\"Thủ tục đo tải\",
    \"field\":\"Đo tải\",\"online_level\":\"full\",\"eligible_full_online\":true,
    \"processing_time\":{\"value\":3,\"unit\":\"working_days\"},\"fees\":[],\"documents\":[],
    \"form_schema\":{\"type\":\"object\",\"properties\":{\"address\":{\"type\":\"string\",\"minLength\":5},
    \"copies\":{\"type\":\"integer\",\"minimum\":1}},\"required\":[\"address\"]},
    \"agencies\":$agency_list}" "$ADMIN_TOKEN" 201 >/dev/null
  local citizen_email="cong.dan.bench@example.vn"
  bench_post /api/v1/auth/register "{\"national_id\":\"038095001234\",\"full_name\":\"Nguyễn Văn Đo\",
    \"email\":\"$citizen_email\",\"password\":\"$BENCH_PASSWORD\",\"privacy_consent\":true}" "" 201 >/dev/null
  bench_post /api/v1/auth/verify-email "{\"token\":\"$(bench_verification_token "$citizen_email")\"}" >/dev/null
  CITIZEN_EMAIL="$citizen_email"
  CITIZEN_TOKEN=$(bench_login "$citizen_email")
  echo "== set up: procedure $BENCH_PROCEDURE at $(wc -w <<<"$AGENCIES") agencies ($AGENCIES), one verified citizen"
}

# A clerk and two specialists in every agency of AGENCIES; writes $WORK/staff.txt, one line per
# agency: "agency clerk_token specialist_id specialist_id" (the BENCH_STAFF of the wrk scripts).
bench_setup_staff() {
  local agency role email clerk_email ids
  : >"$WORK/staff.txt"
  for agency in $AGENCIES; do
    ids=()
    for role in clerk specialist specialist; do
      email="$role.$RANDOM$RANDOM@$agency.bench.vn"
      ids+=("$(bench_post /api/v1/admin/staff "{\"email\":\"$email\",\"full_name\":\"Cán Bộ Đo Tải\",
        \"password\":\"$BENCH_PASSWORD\",\"agency_code\":\"$agency\",\"roles\":[\"$role\"]}" "$ADMIN_TOKEN" 201 |
        json_field id)")
      [[ $role == clerk ]] && clerk_email=$email
    done
    echo "$agency $(bench_login "$clerk_email") ${ids[1]} ${ids[2]}" >>"$WORK/staff.txt"
  done
}

# Runs wrk ("$@"), sampling the server's RSS every 100 ms; prints wrk's output, sets PEAK_RSS_KIB.
bench_wrk() {
  local samples="$WORK/rss.$RANDOM"
  ( while kill -0 "$SERVER" 2>/dev/null; do ps -o rss= -p "$SERVER" >>"$samples" 2>/dev/null || true; sleep 0.1; done ) &
  local sampler=$!
  local status=0 cpu_before idle_before started
  cpu_before=$(bench_server_cpu_ticks); idle_before=$(bench_machine_ticks); started=$(date +%s.%N)
  wrk --timeout 30s "$@" || status=$?
  bench_report_cpu "$cpu_before" "$idle_before" "$started"
  kill "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  PEAK_RSS_KIB=$(sort -n "$samples" | tail -1 | tr -d ' ')
  echo "   peak server RSS: $((PEAK_RSS_KIB / 1024)) MiB"
  return "$status"
}

# The server's CPU time so far (user + system, all threads), in clock ticks.
bench_server_cpu_ticks() {
  awk '{print $14 + $15}' "/proc/$SERVER/stat"
}

# The machine's idle and total CPU time so far, in clock ticks ("idle total").
bench_machine_ticks() {
  awk '/^cpu / {t = 0; for (i = 2; i <= NF; i++) t += $i; print $5 + $6, t}' /proc/stat
}

# Prints what the server used of the CPU since (ticks, machine ticks, start time): cores on
# average, and the machine's idle share — with the rate, the CPU time per request. A server
# below its cores while the machine idles is bound by something that serialises it (a lock),
# not by the CPU.
bench_report_cpu() {
  local cpu_before="$1" machine_before="$2" started="$3" hz
  hz=$(getconf CLK_TCK)
  awk -v c0="$cpu_before" -v c1="$(bench_server_cpu_ticks)" -v t0="$started" -v t1="$(date +%s.%N)" -v hz="$hz" \
    -v m0="$machine_before" -v m1="$(bench_machine_ticks)" 'BEGIN {
      split(m0, a, " "); split(m1, b, " ");
      secs = (c1 - c0) / hz; wall = t1 - t0;
      printf "   server CPU: %.1f s in %.1f s (%.2f cores); machine idle %.0f %%\n", secs, wall, secs / wall, 100 * (b[1] - a[1]) / (b[2] - a[2]) }'
}

# Runs wrk (arguments after the first two) until the files PREFIX.* hold N lines together, or
# stop growing for 3 s (a thread that stops drops the answers still in flight), then stops it
# with SIGINT (wrk otherwise sleeps its whole -d even when every thread has stopped).
bench_wrk_until() {
  local prefix="$1" n="$2"
  shift 2
  wrk --timeout 30s "$@" &
  local load=$! lines=0 previous=-1 still=0
  while kill -0 "$load" 2>/dev/null; do
    lines=$( (cat "$prefix".* 2>/dev/null || true) | wc -l)
    if (( lines == previous && lines > 0 )); then still=$((still + 1)); else still=0; fi
    previous=$lines
    if (( lines >= n || still >= 10 )); then
      kill -INT "$load" 2>/dev/null || true
      break
    fi
    sleep 0.3
  done
  wait "$load" || true
}

# Creates N drafts of the benchmark procedure with wrk, ids one per line in FILE; over every
# agency in turn, or only AGENCY.
bench_create_drafts() {
  local n="$1" file="$2" agency="${3:-}"
  local threads=2
  BENCH_IDS_OUT="$WORK/new-drafts" BENCH_TARGET=$(( (n + threads - 1) / threads )) \
    BENCH_AGENCIES="${agency:-$AGENCIES}" BENCH_TOKEN="$CITIZEN_TOKEN" BENCH_PROCEDURE="$BENCH_PROCEDURE" \
    bench_wrk_until "$WORK/new-drafts" "$n" -t"$threads" -c16 -d600s -s "$BENCH_DIR/create_drafts.lua" \
    "$BASE/api/v1/dossiers" >"$WORK/create.txt"
  cat "$WORK"/new-drafts.* >"$file"
  rm -f "$WORK"/new-drafts.*
  local made
  made=$(wc -l <"$file")
  echo "   created $made drafts ($(grep -E 'Requests/sec' "$WORK/create.txt" | tr -s ' '))"
  if (( made < n )); then echo "only $made of $n drafts were created" >&2; cat "$WORK/create.txt" >&2; exit 1; fi
}

# A scratch table shaped like `dossiers`, in the benchmark database (PostgreSQL only).
bench_pg_scratch() {
  psql -q -d "$BENCH_DB" -v ON_ERROR_STOP=1 >/dev/null <<'EOF'
CREATE TABLE bench_scratch (
  id uuid PRIMARY KEY, code varchar(64) UNIQUE, lookup_secret varchar(8),
  procedure_code varchar(50) NOT NULL, agency_code varchar(13) NOT NULL, applicant_id uuid NOT NULL,
  state varchar(32) NOT NULL, channel varchar(32) NOT NULL, form_data text NOT NULL,
  version integer NOT NULL, submitted_at timestamptz, created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL);
INSERT INTO bench_scratch
SELECT gen_random_uuid(), 'SCRATCH-' || i, 'ABCDEF', '9.999001', 'H25', gen_random_uuid(), 'submitted',
       'online', '{"address":"Thôn 3, xã Đông Sơn","copies":2}', 2, now(), now(), now()
FROM generate_series(1, 20000) AS i;
VACUUM ANALYZE bench_scratch;
EOF
}

# pgbench: the INSERT transaction of bench/pgbench_insert.sql, C clients, D seconds; prints tps.
bench_pgbench_insert() {
  pgbench -n -d "$BENCH_DB" -f "$BENCH_DIR/pgbench_insert.sql" -c "$1" -j 2 -T "$2" -r 2>&1 |
    tee "$WORK/pgbench_insert.txt" | grep -E "latency average|tps =|^ +[0-9.]+ +[0-9]+ +(INSERT|COMMIT)" | sed 's/^/   /'
  PGBENCH_INSERT_TPS=$(awk '/^tps =/ {printf "%.0f", $3}' "$WORK/pgbench_insert.txt")
}

# pgbench: the primary-key SELECT of bench/pgbench_select.sql, C clients, D seconds; prints tps.
bench_pgbench_select() {
  pgbench -n -d "$BENCH_DB" -f "$BENCH_DIR/pgbench_select.sql" -c "$1" -j 2 -T "$2" -M prepared 2>&1 |
    tee "$WORK/pgbench_select.txt" | grep -E "latency average|tps =" | sed 's/^/   /'
  PGBENCH_SELECT_TPS=$(awk '/^tps =/ {printf "%.0f", $3}' "$WORK/pgbench_select.txt")
}

# The flush rate of the disk PostgreSQL's WAL lives on (one 8 kB write + fdatasync, the default
# wal_sync_method on Linux), from pg_test_fsync; sets FSYNC_PER_SEC.
bench_pg_test_fsync() {
  local dir
  dir=$(psql -Atc "SHOW data_directory" 2>/dev/null || echo "$WORK")
  [[ -w "$dir" ]] || dir="$WORK"
  "$PG_BIN/pg_test_fsync" -s 2 -f "$dir/motcua_bench_fsync.tmp" >"$WORK/fsync.txt" 2>&1 || true
  rm -f "$dir/motcua_bench_fsync.tmp"
  FSYNC_PER_SEC=$(awk '/one 8kB write/ {section=1} section && $1 == "fdatasync" {printf "%.0f", $2; exit}' "$WORK/fsync.txt")
  echo "   pg_test_fsync (8 kB write + fdatasync): ${FSYNC_PER_SEC:-?} ops/s"
}

# One field of the RESULT line that bench/wrk_common.lua prints: result FIELD FILE.
result() { grep -o "RESULT.*" "$2" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k {print $2}'; }

ratio() { python3 -c 'import sys; a,b=float(sys.argv[1] or 0),float(sys.argv[2] or 0); print(f"{a/b:.2f}" if b else "n/a")' "$1" "$2"; }
