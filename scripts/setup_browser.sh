#!/usr/bin/env bash
# `make browser`: what tests/test_report_browser.py needs to check the HTML report in a real browser:
# Playwright (Python, from the dev extras) and Debian's Chromium (Playwright drives it via executable_path,
# so no browser download). Without them the browser test is skipped and says why.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
"$PY" -m pip install --quiet 'playwright>=1.40'
if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then apt-get install -y chromium; else sudo apt-get install -y chromium; fi
fi
echo "chromium: $(command -v chromium)  playwright: $("$PY" -c 'import importlib.metadata as m; print(m.version("playwright"))')"
