#!/usr/bin/env bash
# Debian packages, in two sets:
#   run   what the running app uses: WeasyPrint's Pango/HarfBuzz and a font, for the PDF reports
#         (`make run`). Nothing else needs a Debian package: without them every page works and
#         only the PDF download fails.
#   test  the run set, plus Chromium for the browser tests, gettext for translators,
#         pg_dump/pg_restore for the backup test and nginx for the login-throttling test behind
#         the proxy (tests/test_proxy.py; only the binary is used, the service is not needed)
#         (`make test`, and CI: .ci/run calls this script without a set, which means `test`).
# As root on Debian it says what it installs and why, then installs what is missing; otherwise
# it prints the apt-get command to run and succeeds (no package is required to start the app).
# `--list` prints the set's packages and does nothing else.
#
# Usage: scripts/system-packages.sh [run|test] [--list]
set -euo pipefail

set_name=test
list=
for argument in "$@"; do
    case "$argument" in
        run | test) set_name=$argument ;;
        --list) list=1 ;;
        *) echo "usage: $0 [run|test] [--list]" >&2; exit 2 ;;
    esac
done

packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)
why="the PDF reports (WeasyPrint)"
if [ "$set_name" = test ]; then
    packages+=(chromium gettext postgresql-client nginx-light)
    why="the PDF reports and the browser, backup and proxy tests"
fi
if [ -n "$list" ]; then
    echo "${packages[*]}"
    exit 0
fi

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing Debian packages for $why: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
    echo "Missing Debian packages for $why: ${missing[*]}" >&2
    echo "Install them as root: sudo apt-get install ${missing[*]}" >&2
fi
