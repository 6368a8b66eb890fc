#!/usr/bin/env bash
# ctest entry of the Python SDK tier: Debian's python3-azure (azure-keyvault-*, azure-identity) against
# `coldvault serve --ephemeral` (COLDVAULT_BIN). Always /usr/bin/python3: a pyenv or venv python on PATH
# does not see Debian's dist-packages. Fails (does not skip) when the packages are missing: scripts/setup-deps
# installs them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${COLDVAULT_BIN:?set COLDVAULT_BIN to the coldvault binary}"
if ! /usr/bin/python3 -c 'import azure.identity, azure.keyvault.secrets, azure.keyvault.keys, azure.keyvault.certificates' 2>/dev/null; then
  echo "python3-azure is not installed (apt-get install python3-azure; scripts/setup-deps does)" >&2
  exit 1
fi
exec /usr/bin/python3 -W ignore::ResourceWarning "$here/test_drop_in.py"
