#!/usr/bin/env bash
# The domain-transfer ceremony's machine time (issue 13): `domain export` (3 custodians, quorum 2), one
# `custodian decrypt-share` and `domain import` (fresh joined home each run), each a whole process, beside the
# token work they cannot avoid measured in the same run: a custodian's RSA-3072 key generation
# (`custodian enroll`, the ceremony's slowest token step) and `coldvault init` (domain key generation).
set -euo pipefail
CV=${1:-$(dirname "$0")/../build/coldvault}
N=${N:-5}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
provision() {  # provision DIR LABEL PINFILE: a SoftHSM token (hsm/provision-token), PINs from files
  printf 'so-%s\n' "$2" >"$work/so-$2"
  "$(dirname "$0")/../hsm/provision-token" --so-pin-file "$work/so-$2" --pin-file "$3" "$1" "$2" >/dev/null
}
ms() { local s=$(date +%s%N); "$@" >/dev/null 2>&1; echo $(( ($(date +%s%N) - s) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf 'so-pin\n' >"$work/so.pin"
"$CV" --home "$work/src" init --so-pin-file "$work/so.pin" -o none 2>/dev/null
for c in alice bob carol; do
  d="$work/cust/$c"; mkdir -p "$work/cust"; printf '%s-pin\n' "$c" >"$work/cust/$c.pin"
  provision "$d" "$c" "$work/cust/$c.pin"; cp "$work/cust/$c.pin" "$d/pin"
  SOFTHSM2_CONF="$d/softhsm2.conf" "$CV" custodian enroll --token "$c" --label "$c" --out "$work/$c.pem" --pin-file "$d/pin" -o none 2>/dev/null
done
init=() enroll=() export_=() dec=() imp=()
for i in $(seq "$N"); do
  init+=("$(ms "$CV" --home "$work/i$i" init -o none)")
  d="$work/cust/e$i"; printf 'p-pin\n' >"$work/cust/e$i.pin"
  provision "$d" "e$i" "$work/cust/e$i.pin"; cp "$work/cust/e$i.pin" "$d/pin"
  enroll+=("$(SOFTHSM2_CONF="$d/softhsm2.conf" ms "$CV" custodian enroll --token "e$i" --label "e$i" --out "$work/e$i.pem" --pin-file "$d/pin")")
  export_+=("$(ms "$CV" --home "$work/src" domain export --quorum 2 --custodian "$work/alice.pem" --custodian "$work/bob.pem" \
    --custodian "$work/carol.pem" --file "$work/d$i.cvsd" --so-pin-file "$work/so.pin")")
  for c in alice bob; do
    t=$(SOFTHSM2_CONF="$work/cust/$c/softhsm2.conf" ms "$CV" custodian decrypt-share --file "$work/d$i.cvsd" --token "$c" \
      --out "$work/$c$i.share" --pin-file "$work/cust/$c/pin")
    [[ $c == alice ]] && dec+=("$t")
  done
  "$CV" --home "$work/t$i" init --join -o none 2>/dev/null
  imp+=("$(ms "$CV" --home "$work/t$i" domain import --file "$work/d$i.cvsd" --share "$work/alice$i.share" --share "$work/bob$i.share")")
  "$CV" --home "$work/t$i" domain show -o none   # the import really happened
done
m() { printf '%s\n' "$@" | median; }
echo "domain export (3 custodians, median of $N): $(m "${export_[@]}") ms   baseline coldvault init (RSA-3072 domain key): $(m "${init[@]}") ms"
echo "custodian decrypt-share (median of $N): $(m "${dec[@]}") ms   baseline custodian enroll (RSA-3072 keygen): $(m "${enroll[@]}") ms"
echo "domain import (2 shares, median of $N): $(m "${imp[@]}") ms   baseline coldvault init: $(m "${init[@]}") ms"
