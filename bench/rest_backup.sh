#!/usr/bin/env bash
# Secret backups/s through `coldvault serve` (POST /secrets/{name}/backup, TLS keep-alive, wrk -t2 -c16,
# 16 workers) beside the token's raw ECDSA P-256 sign rate from build/bench/backup_bench, same machine,
# same run. Issue 23's target: backups/s >= 0.3x the raw sign rate.
#   bench/rest_backup.sh [path/to/coldvault] [seconds, default 10] [path/to/backup_bench]
# Needs: wrk (scripts/setup-deps installs it). Only loopback addresses are used.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
CV=${1:-$here/../build/coldvault}
SECS=${2:-10}
BENCH=${3:-$(dirname "$CV")/bench/backup_bench}
command -v wrk >/dev/null || { echo "rest_backup: wrk is not installed" >&2; exit 1; }

WORK=$(mktemp -d /tmp/cv-rest-backup-XXXXXX)
export COLDVAULT_HOME=$WORK/home
SERVER_PID=""
cleanup() {
  [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

"$CV" init --vault-name bench -o none
printf 'a-secret-value-of-forty-bytes-0123456789' | "$CV" secret set --vault-name bench --name bench --file - -o none
export CV_TOKEN=$("$CV" token create --vault-name bench --permissions secrets/backup 2>/dev/null | jq -r .token)
"$CV" serve --vault-name bench --listen 127.0.0.1:0 --workers 16 >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVER_PID=$!
for _ in $(seq 1 100); do grep -q "listening on" "$WORK/serve.out" 2>/dev/null && break; sleep 0.1; done
URL=$(grep -o 'https://127.0.0.1:[0-9]*' "$WORK/serve.out")
[[ -n $URL ]] || { echo "rest_backup: server did not start: $(cat "$WORK/serve.err")" >&2; exit 1; }
curl -sf --cacert "$COLDVAULT_HOME/tls/server.pem" -X POST -H "Authorization: Bearer $CV_TOKEN" \
  -H "Content-Length: 0" "$URL/secrets/bench/backup?api-version=7.5" | jq -e .value >/dev/null

out=$(wrk -t2 -c16 -d"${SECS}s" --latency -s "$here/rest_backup.lua" "$URL" 2>&1)
echo "$out" >"$WORK/wrk.out"
[[ -n ${CV_BENCH_DEBUG:-} ]] && cat "$WORK/wrk.out" >&2
rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
p99=$(awk '$1=="99%" {print $2}' <<<"$out")
errs=$(awk '/^non-200:/ {print $2}' <<<"$out")
kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=""

# The raw sign rate of the same kind of token (its own throwaway home), single thread, real time.
raw=$("$BENCH" --benchmark_filter='BM_RawEcdsaSign/real_time' --benchmark_min_time=2 --benchmark_format=json 2>/dev/null |
  jq -r '.benchmarks[0].items_per_second | floor')
ratio=$(awk -v a="$rps" -v b="$raw" 'BEGIN { printf "%.2f", a / b }')
echo "| path | ops/s | p99 | non-200 |"
echo "|---|---|---|---|"
echo "| REST POST /secrets/{n}/backup, wrk -t2 -c16, --workers 16 | $rps | $p99 | ${errs:-?} |"
echo "| raw ECDSA P-256 C_Sign (backup_bench, 1 thread, real time) | $raw | - | - |"
echo
echo "backups/s over raw sign/s: $ratio (target >= 0.30)"
