#!/usr/bin/env bash
# PostgreSQL restarted under load (fault test, not in CI; stops the local cluster for a few
# seconds, as root): bash bench/pg_restart.sh
#
# Resets the database kimtracker_pgrestart (Kabupaten Malang wilayah + demo data), starts
# gunicorn (kimtracker.wsgi, production settings, 2 workers), registers a KIM, then GETs a page
# that needs the database continuously while PostgreSQL is stopped for DOWN_SECONDS and started
# again; tries a registration while it is down (it must be refused and leave nothing), registers
# another KIM after, and checks the database. PASS when: every request before the stop
# succeeds; while PostgreSQL is down requests fail cleanly (HTTP 503, no hang up to the
# client's timeout, no socket error, no worker killed or restarted); after the start the page
# succeeds again within RECOVERY_LIMIT seconds without restarting gunicorn and keeps
# succeeding. PostgreSQL is started again on every exit path (trap).
#
# Environment (all optional):
#   DATABASE_URL    postgres://postgres@127.0.0.1:5432/kimtracker_pgrestart (dropped and recreated!)
#   KEEP_DB=1       reuse that database as it is
#   PG_VERSION, PG_CLUSTER   cluster to restart (default: newest in /etc/postgresql, main)
#   BEFORE_SECONDS=8 DOWN_SECONDS=5 AFTER_SECONDS=12   timeline
#   PAGE=/kecamatan/ DRIVER_THREADS=2 REQUEST_TIMEOUT=10 RECOVERY_LIMIT=5
#   WAIT_FOR_OTHERS=300  seconds to wait while other databases of the cluster are in use (the
#                        restart would break them); FORCE=1 restarts anyway
#   WORKERS=2 PORT REDIS_URL OUT
set -euo pipefail

cd "$(dirname "$0")/.."
REPO=$(pwd)
PY="$REPO/.venv/bin/python"

PG_VERSION=${PG_VERSION:-$(find /etc/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)}
PG_CLUSTER=${PG_CLUSTER:-main}
BEFORE_SECONDS=${BEFORE_SECONDS:-8}
DOWN_SECONDS=${DOWN_SECONDS:-5}
AFTER_SECONDS=${AFTER_SECONDS:-12}
PAGE=${PAGE:-/kecamatan/}
DRIVER_THREADS=${DRIVER_THREADS:-2}
REQUEST_TIMEOUT=${REQUEST_TIMEOUT:-10}
RECOVERY_LIMIT=${RECOVERY_LIMIT:-5}
WAIT_FOR_OTHERS=${WAIT_FOR_OTHERS:-300}
WORKERS=${WORKERS:-2}
KEEP_DB=${KEEP_DB:-0}
OUT=${OUT:-$REPO/var/bench-pg-restart/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"

DEFAULT_DATABASE=postgres://postgres@127.0.0.1:5432/kimtracker_pgrestart
DEFAULT_REDIS=redis://127.0.0.1:6379/14
# shellcheck source=bench/lib.sh
source "$REPO/bench/lib.sh"
# A sleep that a signal interrupts at once (a foreground sleep would delay the trap).
pause() {
    sleep "$1" &
    wait $!
}
mark() { printf '%s %s\n' "$1" "$(date +%s.%N)" >>"$OUT/marks.txt"; }
pg_running() { pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" status >/dev/null 2>&1; }

[[ -d /etc/postgresql/$PG_VERSION/$PG_CLUSTER ]] || die "no PostgreSQL cluster $PG_VERSION/$PG_CLUSTER"
pg_running || die "PostgreSQL $PG_VERSION/$PG_CLUSTER is not running"
others_busy() {
    # Sessions of other databases in use now (a query or transaction running, or used in the
    # last 30 s, e.g. a test run between two tests): a restart would break them. Connections
    # idle for longer are pools that reconnect by themselves.
    psql -h 127.0.0.1 -U postgres -d postgres -Atc \
        "SELECT datname || ' (' || state || '): ' || left(query, 60)
           FROM pg_stat_activity
          WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
            AND datname <> '$(basename "${DATABASE_URL%%\?*}")'
            AND (state <> 'idle' OR state_change > now() - interval '30 seconds')" \
        2>/dev/null || true
}

GUNICORN_PID=""
DRIVER_PID=""
cleanup() {
    local status=$?
    touch "$OUT/stop"
    if [[ -n $DRIVER_PID ]]; then
        timeout 15 tail --pid="$DRIVER_PID" -f /dev/null || kill "$DRIVER_PID" 2>/dev/null || true
    fi
    # Whatever happened, leave PostgreSQL running.
    if ! pg_running; then
        log "starting PostgreSQL $PG_VERSION/$PG_CLUSTER again"
        timeout 120 pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" start || log "could NOT start PostgreSQL"
    fi
    if [[ -n $GUNICORN_PID ]] && kill -0 "$GUNICORN_PID" 2>/dev/null; then
        log "stopping gunicorn (pid $GUNICORN_PID)"
        kill -TERM "$GUNICORN_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$GUNICORN_PID" 2>/dev/null || break
            sleep 0.2
        done
        kill -KILL "$GUNICORN_PID" 2>/dev/null || true
    fi
    pg_running && log "PostgreSQL $PG_VERSION/$PG_CLUSTER is running"
    log "timeline and logs in $OUT"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "output: $OUT"
log "database: $DATABASE_URL; cluster to restart: $PG_VERSION/$PG_CLUSTER"
{ git rev-parse HEAD && git status --short; } >"$OUT/git.txt" 2>&1 || true

# --- database, gunicorn, session ---------------------------------------------------------
if [[ $KEEP_DB != 1 ]]; then
    step 60 "reset database" "$PY" bench/load_setup.py reset-db
fi
step 600 "migrate" "$PY" manage.py migrate --noinput
step 600 "load_wilayah" "$PY" manage.py load_wilayah
step 600 "load_demo" "$PY" manage.py load_demo --if-empty
step 300 "collectstatic" "$PY" manage.py collectstatic --noinput

PORT=${PORT:-$("$PY" bench/load_setup.py free-port)}
BASE_URL="http://127.0.0.1:$PORT"
log "starting gunicorn: $WORKERS sync workers on $BASE_URL"
.venv/bin/gunicorn kimtracker.wsgi \
    --bind "127.0.0.1:$PORT" --workers "$WORKERS" --timeout 30 --graceful-timeout 10 \
    --worker-tmp-dir /dev/shm --access-logfile "$OUT/access.log" \
    --error-logfile - >>"$OUT/gunicorn.log" 2>&1 &
GUNICORN_PID=$!
ready=""
for _ in $(seq 1 120); do
    kill -0 "$GUNICORN_PID" 2>/dev/null || die "gunicorn exited (see $OUT/gunicorn.log)"
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
        -H 'X-Forwarded-Proto: https' "$BASE_URL/akun/masuk/" || true)
    if [[ $code == 200 ]]; then ready=1; break; fi
    sleep 0.5
done
[[ -n $ready ]] || die "gunicorn did not answer within 60 s"
step 60 "officer session and CSRF token" "$PY" bench/load_setup.py session \
    --base-url "$BASE_URL" --json "$OUT/params.json"
WORKER_PIDS_BEFORE=$(pgrep -P "$GUNICORN_PID" | sort | tr '\n' ' ')
log "gunicorn master $GUNICORN_PID, workers $WORKER_PIDS_BEFORE"

TAG=$(date +%H%M%S)
register() {
    # register NAME INDEX: one KIM registration through the form; prints "pk:name".
    timeout 30 "$PY" bench/load_setup.py register --base-url "$BASE_URL" \
        --params "$OUT/params.json" --name "$1" --index "$2"
}
REG_BEFORE=$(register "KIM Uji Restart $TAG sebelum" 1) || die "registration before the restart failed"

# --- the fault ---------------------------------------------------------------------------
log "driving GET $PAGE with $DRIVER_THREADS threads (client timeout ${REQUEST_TIMEOUT}s)"
"$PY" bench/load_setup.py drive --base-url "$BASE_URL" --params "$OUT/params.json" \
    --path "$PAGE" --threads "$DRIVER_THREADS" --timeout "$REQUEST_TIMEOUT" \
    --log "$OUT/requests.jsonl" --stop-file "$OUT/stop" &
DRIVER_PID=$!
mark drive_start
pause "$BEFORE_SECONDS"

# Do not break someone else's work on the same cluster: wait up to WAIT_FOR_OTHERS seconds for
# the other databases to fall idle (FORCE=1 restarts anyway).
for _ in $(seq 1 $((WAIT_FOR_OTHERS / 5))); do
    busy=$(others_busy)
    [[ -z $busy || ${FORCE:-0} == 1 ]] && break
    log "other databases are busy, waiting: ${busy//$'\n'/; }"
    sleep 5
done
busy=$(others_busy)
[[ -z $busy || ${FORCE:-0} == 1 ]] || die "other databases stayed busy (FORCE=1 to restart anyway): $busy"
log "stopping PostgreSQL $PG_VERSION/$PG_CLUSTER (fast mode) for ${DOWN_SECONDS}s"
mark pg_stop
timeout 60 pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" stop --mode fast || die "could not stop PostgreSQL"
mark pg_stopped
# A registration while the database is down must be refused and leave nothing behind.
NAME_DOWN="KIM Uji Restart $TAG selama"
if REG_DOWN=$(register "$NAME_DOWN" 3); then
    REG_DOWN_REFUSED=no
    log "registration while PostgreSQL was down was ACCEPTED: $REG_DOWN"
else
    REG_DOWN_REFUSED=yes
fi
pause "$DOWN_SECONDS"
log "starting PostgreSQL"
mark pg_start
timeout 120 pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" start || die "could not start PostgreSQL"
for _ in $(seq 1 60); do
    pg_isready -q -h 127.0.0.1 -p 5432 -t 2 && break
    sleep 0.5
done
mark pg_started
log "PostgreSQL accepts connections again; gunicorn is NOT restarted"
pause "$AFTER_SECONDS"
mark drive_stop
touch "$OUT/stop"
timeout 30 tail --pid="$DRIVER_PID" -f /dev/null || die "the request driver did not stop"
DRIVER_PID=""

REG_AFTER=$(register "KIM Uji Restart $TAG sesudah" 2) || die "registration after the restart failed"

# --- judge -------------------------------------------------------------------------------
WORKER_PIDS_AFTER=$(pgrep -P "$GUNICORN_PID" | sort | tr '\n' ' ')
MASTER_ALIVE=no
kill -0 "$GUNICORN_PID" 2>/dev/null && MASTER_ALIVE=yes
KIM_OK=no
if timeout 60 "$PY" bench/load_setup.py check-kim "$REG_BEFORE" "$REG_AFTER" \
    --absent "$NAME_DOWN" | tee "$OUT/kim-check.txt"; then
    [[ $REG_DOWN_REFUSED == yes ]] && KIM_OK=yes
fi
timeout 60 "$PY" bench/load_setup.py timeline --log "$OUT/requests.jsonl" --marks "$OUT/marks.txt" \
    --output "$OUT/timeline.json" --max-seconds "$REQUEST_TIMEOUT" | tee "$OUT/timeline.md"
TRACEBACKS=$(grep -c 'Traceback' "$OUT/gunicorn.log" || true)

"$PY" - "$OUT/timeline.json" "$RECOVERY_LIMIT" "$WORKER_PIDS_BEFORE" "$WORKER_PIDS_AFTER" \
    "$MASTER_ALIVE" "$KIM_OK" "$TRACEBACKS" <<'PYTHON'
import json
import sys

summary = json.load(open(sys.argv[1]))
limit = float(sys.argv[2])
before, after, master, kim_ok, tracebacks = sys.argv[3:8]
phase = {p["phase"]: p for p in summary["phases"]}
recovery = summary["first_success_after_start_s"]
down = phase["stopping and down"]
checks = {
    "every request before the stop succeeded": (
        phase["before"]["requests"] > 0 and phase["before"]["failed"] == 0
    ),
    "requests failed while PostgreSQL was down (the fault happened)": down["failed"] > 0,
    "every failure while down was a clean HTTP 503 (database unavailable)": (
        summary["unclean_failures_while_down"] == 0
    ),
    "no request hung up to the client timeout": summary["requests_over_timeout"] == 0,
    f"first success within {limit:.0f} s of the start command, without restarting gunicorn": (
        recovery is not None and recovery <= limit
    ),
    "no failure after the first success": summary["failures_after_first_success"] == 0,
    "gunicorn master alive and the same workers (none crashed or restarted)": (
        master == "yes" and before == after
    ),
    "registrations before and after are in the database; the one tried while down was "
    "refused and left nothing": kim_ok == "yes",
}
print()
print(
    f"gunicorn workers before {before.strip()}, after {after.strip()}; master alive: {master}; "
    f"tracebacks logged by Django while down: {tracebacks}"
)
for name, ok in checks.items():
    print(f"{'PASS' if ok else 'FAIL'}: {name}")
verdict = "PASS" if all(checks.values()) else "FAIL"
print(f"RESULT: {verdict}")
sys.exit(0 if verdict == "PASS" else 3)
PYTHON
