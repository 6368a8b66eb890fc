#!/usr/bin/env bash
# Wall time of one `coldvault secret show` process (module load, login, catalogue, decrypt, JSON) beside
# pkcs11-tool listing the same token's objects (module load + login + a search), same machine, same run.
set -euo pipefail
CV=${1:-$(dirname "$0")/../build/coldvault}
N=${N:-30}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
export COLDVAULT_HOME="$work/home"
"$CV" init --vault-name bench -o none
printf 'bench-value' | "$CV" secret set --vault-name bench --name s --file - -o none
export SOFTHSM2_CONF="$COLDVAULT_HOME/softhsm2.conf"
pin=$(cat "$COLDVAULT_HOME/user.pin")
time_ms() {  # median wall time in ms of N runs of "$@"
  local t=()
  for _ in $(seq "$N"); do
    local s=$(date +%s%N); "$@" >/dev/null 2>&1; local e=$(date +%s%N)
    t+=($(( (e - s) / 1000 )))
  done
  printf '%s\n' "${t[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]/1000}'
}
cv_ms=$(time_ms "$CV" secret show --vault-name bench --name s)
raw_ms=$(time_ms pkcs11-tool --module /usr/lib/softhsm/libsofthsm2.so --token-label coldvault --login --pin "$pin" --list-objects)
echo "cli secret show (median of $N): ${cv_ms} ms   baseline pkcs11-tool --login --list-objects: ${raw_ms} ms"
