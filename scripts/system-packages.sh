#!/usr/bin/env bash
# Debian packages the tests and the PDF reports need: WeasyPrint's Pango/HarfBuzz and a font,
# Chromium for the browser tests, gettext for translators, pg_dump/pg_restore for the backup
# test, nginx for the login-throttling test behind the proxy (tests/test_proxy.py; only the
# binary is used, the service is not needed). Installs what is missing when run as
# root on Debian (CI, a fresh server); elsewhere it only says what is missing.
set -euo pipefail
packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core chromium gettext
    postgresql-client nginx-light)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
    echo "Missing Debian packages (PDF, browser and proxy tests need them): ${missing[*]}" >&2
    echo "Install with: sudo apt-get install ${missing[*]}" >&2
fi
