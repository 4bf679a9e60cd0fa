#!/usr/bin/env bash
# End-to-end test of the notebooks in a real JupyterLab in headless Chromium (see run.mjs).
# Installs what it needs if missing: Debian's chromium (apt-get, as root) and playwright-core
# (npm ci here). Arguments go to run.mjs: [--venv DIR] [--timeout SECONDS] [NOTEBOOK ...];
# with --book first, the website's check (book.mjs) runs instead: [--book DIR] [--width PX]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

if [ ! -x /usr/bin/chromium ] && [ -z "${E2E_CHROMIUM:-}" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "e2e: /usr/bin/chromium is missing: install Debian's chromium (sudo apt-get install chromium)" >&2
        exit 2
    fi
    echo "e2e: installing chromium with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q chromium >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }
fi

command -v node >/dev/null || { echo "e2e: node is missing (Node 18 or newer)" >&2; exit 2; }
# npm writes node_modules/.package-lock.json on each install: reinstall when the lock file is newer.
if [ ! -f "$here/node_modules/playwright-core/package.json" ] \
        || [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
    echo "e2e: npm ci in tests/e2e"
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi

script=run.mjs
if [ "${1:-}" = "--book" ]; then script=book.mjs; shift; fi
exec node "$here/$script" "$@"
