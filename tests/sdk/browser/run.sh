#!/usr/bin/env bash
# ctest entry of the console's browser test (console.test.mjs). Skips, and says so, only when playwright-core
# is not installed (scripts/setup-deps runs `npm ci` in tests/sdk); a missing chromium is a failure, since
# scripts/setup-deps installs it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${COLDVAULT_BIN:?set COLDVAULT_BIN to the coldvault binary}"
if [[ ! -d "$here/../node_modules/playwright-core" ]]; then
  echo "skipped: playwright-core not installed (run scripts/setup-deps, or npm ci in tests/sdk)"
  exit 77  # ctest shows it as skipped, never as passed
fi
cd "$here"
exec node --test --test-concurrency=1 ./console.test.mjs
