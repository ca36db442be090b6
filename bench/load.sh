#!/usr/bin/env bash
# Load test: bash bench/load.sh   (DURATION=60 CONNECTIONS=32 THREADS=2 WORKERS=2 by default)
#
# Resets the PostgreSQL database kimtracker_load, loads the Kabupaten Malang wilayah and demo
# data, starts gunicorn (kimtracker.wsgi, production settings) on 127.0.0.1, logs a Petugas in
# server-side, and runs wrk with bench/load.lua: GETs of the dashboard, lists and map with 1 KIM
# registration in 20. Then it checks in the database that every successful registration
# response is exactly one new KIM, and prints PASS/FAIL against the goal: 0 errors, p99 < 200 ms.
#
# Environment (all optional):
#   DATABASE_URL  postgres://postgres@127.0.0.1:5432/kimtracker_load (dropped and recreated!)
#   KEEP_DB=1     reuse that database as it is (no reset; migrate and loaders are idempotent)
#   DURATION=60   seconds of load       CONNECTIONS=32   open connections   THREADS=2 (wrk)
#   THINK_MS=0    mean pause of each connection between an answer and its next request (0 to
#                 2 x THINK_MS, uniform), as a person reading the page; 0: no pause, so the
#                 connections keep the server saturated (a closed loop)
#   WORKERS=2     gunicorn workers      WORKER_CLASS=sync (gunicorn -k)     GTHREADS=1 (--threads)
#   PORT          gunicorn port (default: a free one)
#   PROXY=nginx   put Debian's nginx (bench/nginx.conf.template) in front of gunicorn, as in
#                 production, and load through it; needed with THINK_MS, since wrk opens each
#                 next connection before its pause and a sync worker would wait on it idle
#   REDIS_URL     redis://127.0.0.1:6379/13
#   OUT           output folder (default var/bench-load/<date-time>/)
#
# Production settings over plain HTTP: the requests carry X-Forwarded-Proto: https, exactly as
# nginx sends them (docs/deploy.md), so SECURE_SSL_REDIRECT, secure cookies, HSTS and the
# strict CSRF origin check all stay on.
set -euo pipefail

cd "$(dirname "$0")/.."
REPO=$(pwd)
PY="$REPO/.venv/bin/python"

DURATION=${DURATION:-60}
CONNECTIONS=${CONNECTIONS:-32}
THINK_MS=${THINK_MS:-0}
THREADS=${THREADS:-2}
WORKERS=${WORKERS:-2}
WORKER_CLASS=${WORKER_CLASS:-sync}
GTHREADS=${GTHREADS:-1}
KEEP_DB=${KEEP_DB:-0}
PROXY=${PROXY:-}
GOAL_P99_MS=200
OUT=${OUT:-$REPO/var/bench-load/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

DEFAULT_DATABASE=postgres://postgres@127.0.0.1:5432/kimtracker_load
DEFAULT_REDIS=redis://127.0.0.1:6379/13
# shellcheck source=bench/lib.sh
source "$REPO/bench/lib.sh"

command -v wrk >/dev/null || die "wrk is not installed (apt-get install wrk)"
case $PROXY in
    "") ;;
    nginx) command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] ||
        die "nginx is not installed (apt-get install nginx-light)" ;;
    *) die "PROXY=$PROXY: only nginx is known" ;;
esac

GUNICORN_PID=""
SAMPLER_PID=""
NGINX_PID=""
cleanup() {
    local status=$?
    if [[ -n $NGINX_PID ]]; then kill -QUIT "$NGINX_PID" 2>/dev/null || true; fi
    if [[ -n $SAMPLER_PID ]]; then kill "$SAMPLER_PID" 2>/dev/null || true; fi
    if [[ -n $GUNICORN_PID ]] && kill -0 "$GUNICORN_PID" 2>/dev/null; then
        log "stopping gunicorn (pid $GUNICORN_PID)"
        kill -TERM "$GUNICORN_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$GUNICORN_PID" 2>/dev/null || break
            sleep 0.2
        done
        kill -KILL "$GUNICORN_PID" 2>/dev/null || true
    fi
    log "figures and logs in $OUT"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "output: $OUT"
# What code was measured: the commit and any uncommitted change in the working tree.
{ git rev-parse HEAD && git status --short; } >"$OUT/git.txt" 2>&1 || true
log "database: $DATABASE_URL (settings: $DJANGO_SETTINGS_MODULE)"

# --- database and data -------------------------------------------------------------------
if [[ $KEEP_DB != 1 ]]; then
    step 60 "reset database" "$PY" bench/load_setup.py reset-db
fi
step 600 "migrate" "$PY" manage.py migrate --noinput
step 600 "load_wilayah (bundled Kabupaten Malang fixture)" "$PY" manage.py load_wilayah
step 600 "load_demo (250 KIM over 33 kecamatan, 390 desa)" "$PY" manage.py load_demo --if-empty
step 300 "collectstatic (WhiteNoise manifest, as deployed)" "$PY" manage.py collectstatic --noinput
step 300 "VACUUM ANALYZE" "$PY" bench/load_setup.py analyze
tail -n 1 "$OUT/setup.log" >&2
step 120 "manage.py check --deploy" "$PY" manage.py check --deploy --fail-level ERROR

# --- gunicorn ----------------------------------------------------------------------------
PORT=${PORT:-$("$PY" bench/load_setup.py free-port)}
BASE_URL="http://127.0.0.1:$PORT"
log "starting gunicorn: $WORKERS $WORKER_CLASS worker(s) x $GTHREADS thread(s) on $BASE_URL"
.venv/bin/gunicorn kimtracker.wsgi \
    --bind "127.0.0.1:$PORT" --workers "$WORKERS" --worker-class "$WORKER_CLASS" \
    --threads "$GTHREADS" --timeout 30 --graceful-timeout 10 --worker-tmp-dir /dev/shm \
    --access-logfile "$OUT/access.log" --access-logformat '%(m)s %(U)s %(s)s %(D)s %(p)s' \
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
[[ -n $ready ]] || die "gunicorn did not answer within 60 s (see $OUT/gunicorn.log)"
log "gunicorn answers (master pid $GUNICORN_PID)"

if [[ $PROXY == nginx ]]; then
    PROXY_PORT=$("$PY" bench/load_setup.py free-port)
    mkdir -p "$OUT/nginx-tmp"
    sed -e "s|@OUT@|$OUT|g" -e "s|@PROXY_PORT@|$PROXY_PORT|g" -e "s|@GUNICORN_PORT@|$PORT|g" \
        bench/nginx.conf.template >"$OUT/nginx.conf"
    PATH=$PATH:/usr/sbin nginx -c "$OUT/nginx.conf" -g 'daemon off;' >>"$OUT/nginx-error.log" 2>&1 &
    NGINX_PID=$!
    BASE_URL="http://127.0.0.1:$PROXY_PORT"
    for _ in $(seq 1 50); do
        curl -s -o /dev/null --max-time 2 "$BASE_URL/akun/masuk/" && break
        sleep 0.2
    done
    kill -0 "$NGINX_PID" 2>/dev/null || die "nginx did not start (see $OUT/nginx-error.log)"
    log "nginx on $BASE_URL in front of gunicorn (pid $NGINX_PID)"
fi

# --- officer session, CSRF token ---------------------------------------------------------
step 60 "officer session and CSRF token" "$PY" bench/load_setup.py session \
    --base-url "$BASE_URL" --json "$OUT/params.json" --lua "$OUT/params.lua"
SESSION_COOKIE=$("$PY" -c 'import json,sys; p=json.load(open(sys.argv[1])); print(p["session_cookie"]+"="+p["session"])' "$OUT/params.json")

# Warm-up: every worker compiles its templates and opens its connection before timing.
log "warm-up (every page of the mix, 3 times per worker)"
for _ in $(seq 1 $((3 * WORKERS))); do
    for path in / /kecamatan/ /desa/ /desa/tanpa-kim/ /kim/ /peta/ /peta/data/; do
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 \
            -H 'X-Forwarded-Proto: https' -H "Cookie: $SESSION_COOKIE" "$BASE_URL$path" || true)
        [[ $code == 200 ]] || die "warm-up GET $path answered $code"
    done
done
: >"$OUT/access.log"

# --- load --------------------------------------------------------------------------------
TAG=$(date +%H%M%S)
PREFIX="KIM Uji Beban $TAG "
cpu_ticks() {
    # CPU ticks used so far by the given processes and their reaped children (/proc/PID/stat:
    # utime, stime, cutime, cstime); PostgreSQL backends that ended count in the postmaster.
    local total=0 pid fields
    for pid in "$@"; do
        [[ -r /proc/$pid/stat ]] || continue
        read -ra fields <<<"$(sed 's/^.*) //' "/proc/$pid/stat")"
        total=$((total + fields[11] + fields[12] + fields[13] + fields[14]))
    done
    echo "$total"
}
cpu_stat() {
    # Whole machine, all cores: busy ticks (user+nice+system+irq+softirq+steal) and all ticks.
    local f
    read -ra f <<<"$(head -n 1 /proc/stat)"
    echo "$((f[1] + f[2] + f[3] + f[6] + f[7] + f[8])) $((f[1] + f[2] + f[3] + f[4] + f[5] + f[6] + f[7] + f[8]))"
}
gunicorn_pids() { echo "$GUNICORN_PID" "$(pgrep -P "$GUNICORN_PID" | tr '\n' ' ')"; }
postgres_pids() { pgrep -u postgres | tr '\n' ' '; }

read -r LOAD_BEFORE _ </proc/loadavg
# shellcheck disable=SC2046
GUNICORN_TICKS_0=$(cpu_ticks $(gunicorn_pids))
# shellcheck disable=SC2046
POSTGRES_TICKS_0=$(cpu_ticks $(postgres_pids))
read -r BUSY_0 ALL_0 <<<"$(cpu_stat)"
(while sleep 5; do cut -d' ' -f1 /proc/loadavg; done >"$OUT/loadavg.txt") &
SAMPLER_PID=$!

log "wrk: ${DURATION}s, $CONNECTIONS connections, $THREADS threads, think time ${THINK_MS} ms (load average before: $LOAD_BEFORE)"
# GNU time (when installed) measures wrk's own CPU, to tell it apart from other users' load.
TIMER=()
if [[ -x /usr/bin/time ]]; then TIMER=(/usr/bin/time -f '%U %S' -o "$OUT/wrk-cpu.txt"); fi
LOAD_PARAMS="$OUT/params.lua" LOAD_RESULT="$OUT/wrk.json" LOAD_TAG="$TAG" \
    LOAD_DURATION="$DURATION" LOAD_THINK_MS="$THINK_MS" \
    "${TIMER[@]}" timeout $((DURATION + 60)) wrk --threads "$THREADS" --connections "$CONNECTIONS" \
    --duration "${DURATION}s" --timeout 10s --latency --script bench/load.lua "$BASE_URL" \
    | tee "$OUT/wrk.txt" || die "wrk failed or did not finish in time"

# shellcheck disable=SC2046
GUNICORN_TICKS_1=$(cpu_ticks $(gunicorn_pids))
# shellcheck disable=SC2046
POSTGRES_TICKS_1=$(cpu_ticks $(postgres_pids))
kill "$SAMPLER_PID" 2>/dev/null || true
SAMPLER_PID=""
read -r LOAD_AFTER _ </proc/loadavg
[[ -s $OUT/wrk.json ]] || die "wrk wrote no result"
kill -0 "$GUNICORN_PID" 2>/dev/null || die "gunicorn died during the run"
BOOTS=$(grep -c 'Booting worker' "$OUT/gunicorn.log" || true)
WORKER_RESTARTS=$((BOOTS - WORKERS))
read -r BUSY_1 ALL_1 <<<"$(cpu_stat)"

# --- results -----------------------------------------------------------------------------
timeout 120 "$PY" bench/load_setup.py verify --result "$OUT/wrk.json" --prefix "$PREFIX" \
    --output "$OUT/verify.json" | tee "$OUT/verify.txt" || die "verification failed to run"
timeout 120 "$PY" bench/load_setup.py access-log --log "$OUT/access.log" \
    --output "$OUT/server-side.md" --duration "$DURATION" >/dev/null

TICKS=$(getconf CLK_TCK)
MACHINE_BUSY=$((100 * (BUSY_1 - BUSY_0) / (ALL_1 - ALL_0)))
"$PY" - "$OUT" "$GOAL_P99_MS" "$LOAD_BEFORE" "$LOAD_AFTER" \
    "$((GUNICORN_TICKS_1 - GUNICORN_TICKS_0))" "$((POSTGRES_TICKS_1 - POSTGRES_TICKS_0))" \
    "$TICKS" "$WORKER_RESTARTS" "$MACHINE_BUSY" \
    "$WORKERS $WORKER_CLASS worker(s) x $GTHREADS thread(s), wrk $THREADS threads x $CONNECTIONS connections, think time ${THINK_MS} ms, proxy ${PROXY:-none}, ${DURATION}s; code $(head -c 10 "$OUT/git.txt") with $(($(wc -l <"$OUT/git.txt") - 1)) changed/untracked file(s), see git.txt" \
    <<'PYTHON'
import json
import os
import sys
from pathlib import Path

out = Path(sys.argv[1])
goal = float(sys.argv[2])
load_before, load_after = sys.argv[3], sys.argv[4]
gunicorn_ticks, postgres_ticks, hz = int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
worker_restarts, machine_busy, setup = int(sys.argv[8]), sys.argv[9], sys.argv[10]
wrk = json.loads((out / "wrk.json").read_text())
verify = json.loads((out / "verify.json").read_text())
samples = [float(x) for x in (out / "loadavg.txt").read_text().split()] or [float(load_after)]
lat = wrk["latency_ms"]
cores = os.cpu_count()
seconds = wrk["duration_s"]
wrk_cpu = out / "wrk-cpu.txt"
mine = (gunicorn_ticks + postgres_ticks) / hz / seconds
if wrk_cpu.exists():
    wrk_used = sum(float(x) for x in wrk_cpu.read_text().split()[-2:]) / seconds
    wrk_cores = f"{wrk_used:.2f} cores"
    mine += wrk_used
else:
    wrk_cores = "(not measured)"
others = f"{max(0.0, int(machine_busy) / 100 * cores - mine):.2f} cores"
sock = wrk["socket_errors"]
checks = {
    "0 errors": wrk["errors"] == 0,
    f"p99 < {goal:.0f} ms": lat["p99"] < goal,
    "database matches the registration responses": verify["ok"],
    "no gunicorn worker restarted": worker_restarts == 0,
}
lines = [
    f"setup: {setup}",
    f"requests: {wrk['requests']} in {seconds:.1f} s = {wrk['requests_per_s']:.1f} requests/s",
    f"latency: p50 {lat['p50']:.1f} ms, p90 {lat['p90']:.1f} ms, p99 {lat['p99']:.1f} ms, "
    f"max {lat['max']:.1f} ms, mean {lat['mean']:.1f} ms",
    f"errors: {wrk['errors']} (socket: connect {sock['connect']}, read {sock['read']}, "
    f"write {sock['write']}, timeout {sock['timeout']}; unexpected responses "
    f"{wrk['unexpected_responses']} {wrk['unexpected_by_status'] or ''}; refused registrations "
    f"{wrk['reg_refused']} {wrk['first_refusal']})",
    f"registrations: {wrk['reg_ok']} successful of {wrk['posts_sent']} sent; "
    f"KIM in the database: {verify['kim_in_database']}",
    f"machine: load average {load_before} before, {load_after} after, samples during the run "
    f"min {min(samples):.2f} / max {max(samples):.2f} ({cores} cores); CPU used: gunicorn "
    f"{gunicorn_ticks / hz / seconds:.2f} cores, PostgreSQL (all databases) "
    f"{postgres_ticks / hz / seconds:.2f} cores, wrk {wrk_cores}, whole machine "
    f"{machine_busy}% busy (so other processes about {others}); gunicorn worker restarts: "
    f"{worker_restarts}",
]
lines += [f"{'PASS' if ok else 'FAIL'}: {name}" for name, ok in checks.items()]
verdict = "PASS" if all(checks.values()) else "FAIL"
lines.append(f"RESULT: {verdict} (goal: 0 errors, p99 < {goal:.0f} ms)")
text = "\n".join(lines)
(out / "summary.txt").write_text(text + "\n\nserver side (gunicorn access log):\n\n"
                                 + (out / "server-side.md").read_text())
print("\n" + text)
sys.exit(0 if verdict == "PASS" else 3)
PYTHON
