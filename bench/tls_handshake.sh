#!/usr/bin/env bash
# New TLS connections per second (a full handshake each, no resumption: `openssl s_time -new`) against
# `coldvault serve` with its TLS key in the token (each handshake's ECDSA signature is C_Sign through a
# pooled Service, docs/adr/0025-tls-key-through-the-pool.md), beside the same server with an EC P-256 key
# from a file (--tls-cert/--tls-key: the signature in software), same home, same machine, same run; then the
# token one again, so drift between the runs shows. Prints a Markdown table for docs/performance.md.
#   bench/tls_handshake.sh [path/to/coldvault] [seconds per run, default 8]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
CV=${1:-$here/../build/coldvault}
SECS=${2:-8}
WORK=$(mktemp -d /tmp/cv-tls-bench-XXXXXX)
export COLDVAULT_HOME=$WORK/home
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT

"$CV" init --vault-name bench -o none
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null

# start NAME ARGS...: serve in the background; sets URL.
start() {
  local name=$1; shift
  "$CV" serve --vault-name bench --listen 127.0.0.1:0 "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
  PIDS+=($!)
  for _ in $(seq 1 200); do grep -q "coldvault serve: ready" "$WORK/$name.err" 2>/dev/null && break; sleep 0.1; done
  URL=$(grep -o 'https://127.0.0.1:[0-9]*' "$WORK/$name.out")
  [[ -n $URL ]] || { echo "tls_handshake: $name did not start: $(cat "$WORK/$name.err")" >&2; exit 1; }
}
# measure CAFILE: connections/s over SECS seconds of new full handshakes (TLS 1.3, ECDSA P-256).
measure() {
  local out n t
  out=$(openssl s_time -connect "${URL#https://}" -new -time "$SECS" -CAfile "$1" 2>/dev/null)
  n=$(grep -o '^[0-9]* connections in [0-9.]* real' <<<"$out" | awk '{print $1}')
  t=$(grep -o '^[0-9]* connections in [0-9.]* real' <<<"$out" | awk '{print $4}')
  awk -v n="$n" -v t="$t" 'BEGIN { printf "%d in %.2f s = %.0f/s", n, t, n / t }'
}
start token
TOKEN_URL=$URL
start files --tls-cert "$WORK/cert.pem" --tls-key "$WORK/key.pem"
FILES_URL=$URL

echo "| server TLS key | new connections (full handshakes) |"
echo "|---|---|"
URL=$TOKEN_URL; echo "| in the token (C_Sign through a pooled Service) | $(measure "$COLDVAULT_HOME/tls/server.pem") |"
URL=$FILES_URL; echo "| file (--tls-cert/--tls-key, software ECDSA) | $(measure "$WORK/cert.pem") |"
URL=$TOKEN_URL; echo "| in the token, again | $(measure "$COLDVAULT_HOME/tls/server.pem") |"
