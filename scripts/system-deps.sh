#!/usr/bin/env bash
# Installs the system packages tests need when they are missing (a fresh CI machine has none):
# Pango (WeasyPrint PDF reports) and Debian's Chromium (browser tests). Uses apt-get only when
# something is missing; needs root or passwordless sudo on Debian/Ubuntu.
set -euo pipefail
missing=()
ldconfig -p 2>/dev/null | grep -q "libpango-1.0.so" || missing+=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)
command -v chromium >/dev/null 2>&1 || [[ -x /usr/bin/chromium ]] || missing+=(chromium)
fc-list >/dev/null 2>&1 || missing+=(fontconfig)
fc-list 2>/dev/null | grep -qi "dejavu" || missing+=(fonts-dejavu-core)
if ((${#missing[@]} == 0)); then
  exit 0
fi
echo "Installing system packages: ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo -n"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
