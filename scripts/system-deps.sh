#!/usr/bin/env bash
# Debian packages the test suite uses: Chromium for the browser tests. Installed when
# missing and we may (root); otherwise the browser tests skip and say why.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "note: /usr/bin/chromium missing and cannot apt-get it; browser tests will skip." >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq chromium >/dev/null
