#!/usr/bin/env bash
# `make browser`: what tests/test_report_browser.py needs to check the HTML report in a real browser:
# Playwright (Python, from the dev extras) and Debian's Chromium (Playwright drives it via executable_path,
# so no browser download). Without them the browser test is skipped and says why.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
"$PY" -m pip install --quiet 'playwright>=1.40'
apt() { if [ "$(id -u)" -eq 0 ]; then apt-get "$@"; else sudo -n apt-get "$@"; fi; }
if ! command -v chromium >/dev/null 2>&1; then
    # A fresh machine may have no package lists yet; without Chromium the browser tests skip and say why.
    apt install -y -qq chromium >/dev/null 2>&1 || { apt update -qq >/dev/null 2>&1 && apt install -y -qq chromium >/dev/null 2>&1; } \
        || { echo "warning: could not install Debian's chromium; the browser tests will be skipped"; exit 0; }
fi
echo "chromium: $(command -v chromium)  playwright: $("$PY" -c 'import importlib.metadata as m; print(m.version("playwright"))')"
