#!/usr/bin/env bash
# PKCS#11 calls per operation, counted (not timed) through the fault module without a fault (CV_FAULT_LOG),
# as the home grows from 1 to 47 vaults: a restore should cost the same whatever the number of vaults
# (docs/performance.md "Token calls per restore", ADR 0027). Prints calls and the three commonest functions.
#   bench/token_calls.sh [build/coldvault] [build/tests/libcv_faultmod.so]
set -euo pipefail
CV=${1:-$(dirname "$0")/../build/coldvault}
FM=${2:-$(dirname "$0")/../build/tests/libcv_faultmod.so}
FM=$(realpath "$FM")
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
export SOFTHSM2_CONF=$W/softhsm2.conf COLDVAULT_HOME=$W/home COLDVAULT_PIN=1234-calls
mkdir -p "$W/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$W/tokens" >"$SOFTHSM2_CONF"
softhsm2-util --init-token --free --label calls --pin 1234-calls --so-pin 5678-calls >/dev/null
"$CV" init --module "$FM" --token calls -o none
"$CV" key create --vault-name default --name k --kty EC --curve P-256 -o none
"$CV" key backup --vault-name default --name k --file "$W/k.blob" >/dev/null
cat >"$W/ec.json" <<'J'
{"key_props": {"exportable": true, "kty": "EC", "crv": "P-256", "reuse_key": false},
 "secret_props": {"contentType": "application/x-pem-file"},
 "x509_props": {"subject": "CN=calls.example", "validity_months": 6}, "issuer": {"name": "Self"}}
J
"$CV" certificate create --vault-name default --name c --policy "@$W/ec.json" -o none
"$CV" certificate backup --vault-name default --name c --file "$W/c.blob" >/dev/null
"$CV" key create --vault-name default --name vm-kek --kty RSA-HSM --size 2048 -o none
"$CV" disk-key create --vault-name default --machine vm-one --kek vm-kek >/dev/null
"$CV" ade export --vault-name default --machine vm-one --file "$W/ade.json" >/dev/null
count() {
  rm -f "$W/log"
  CV_FAULT_LOG="$W/log" "$@" >/dev/null
  printf '%5d  %s\n' "$(wc -l <"$W/log")" "$(awk '{print $2}' "$W/log" | sort | uniq -c | sort -rn | head -3 | awk '{printf "%s %s  ", $1, $2}')"
}
for batch in 0 20 40; do
  ((batch == 0)) || for i in $(seq $((batch - 19)) "$batch"); do "$CV" vault create --vault-name "v-$i" -o none; done
  echo "== vaults: $("$CV" vault list | jq length)"
  for op in key cert ade; do "$CV" vault create --vault-name "$op-$batch" -o none; done
  printf '%-20s' "key restore"; count "$CV" key restore --vault-name "key-$batch" --file "$W/k.blob" -o none
  printf '%-20s' "certificate restore"; count "$CV" certificate restore --vault-name "cert-$batch" --file "$W/c.blob" -o none
  printf '%-20s' "ade restore"; count "$CV" ade restore --vault-name "ade-$batch" --file "$W/ade.json" -o none
  printf '%-20s' "key show"; count "$CV" key show --vault-name default --name k
done
