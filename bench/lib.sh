# shellcheck shell=bash
# Shared set-up of bench/load.sh and bench/pg_restart.sh (sourced, not run): the production
# settings both run gunicorn with, and their log helpers. Expects PY, OUT, DEFAULT_DATABASE and
# DEFAULT_REDIS to be set by the caller.

export DATABASE_URL=${DATABASE_URL:-$DEFAULT_DATABASE}
export DJANGO_SETTINGS_MODULE=kimtracker.settings.production
export DJANGO_DEBUG=false
export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
export REDIS_URL=${REDIS_URL:-$DEFAULT_REDIS}
# A fresh random key per run: production settings have no fallback.
DJANGO_SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(50))')
export DJANGO_SECRET_KEY

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
step() {
    # step SECONDS LABEL COMMAND...: run with a time limit, output to the run's log.
    local limit=$1 label=$2
    shift 2
    log "$label"
    timeout "$limit" "$@" >>"$OUT/setup.log" 2>&1 || die "$label failed or timed out (see $OUT/setup.log)"
}
