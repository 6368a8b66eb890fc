#!/usr/bin/env bash
# ctest entry of the SDK conformance suite: the official @azure/keyvault-* packages against
# `coldvault serve` (COLDVAULT_BIN). Skips, and says so, only when the npm packages are not installed
# (scripts/setup-deps runs `npm ci` here).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${COLDVAULT_BIN:?set COLDVAULT_BIN to the coldvault binary}"
if [[ ! -d "$here/node_modules/@azure/keyvault-secrets" || ! -d "$here/node_modules/@azure/keyvault-keys" ||
      ! -d "$here/node_modules/@azure/keyvault-certificates" ]]; then
  echo "skipped: npm packages not installed (run scripts/setup-deps, or npm ci in tests/sdk)"
  exit 77  # ctest shows it as skipped, never as passed
fi
cd "$here"
# One file at a time: each starts its own server and the 64-client test wants the machine to itself.
exec node --test --test-concurrency=1 ./*.test.mjs
