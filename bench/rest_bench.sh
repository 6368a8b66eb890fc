#!/usr/bin/env bash
# GET-secret throughput and p99 of `coldvault serve` over TLS keep-alive at 16 and 64 connections
# (wrk), beside nginx serving a static file over TLS with an EC P-256 certificate, on this machine in the
# same run, with coldvault/nginx ratios; then the server's RSS and thread count with 10 and with 1,000
# idle keep-alive TLS connections open (tests/tools/idle_tls_conns.py). Prints Markdown tables for
# docs/performance.md ("REST server").
#   bench/rest_bench.sh [path/to/coldvault] [seconds per run, default 10] [old coldvault to compare, optional]
# Needs: wrk, nginx (scripts/setup-deps installs both). Only loopback addresses are used.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
CV=${1:-$here/../build/coldvault}
SECS=${2:-10}
OLD_CV=${3:-}
IDLE=$here/../tests/tools/idle_tls_conns.py
ulimit -n 4096  # 1,000 client sockets in this process tree, and the server's own
command -v wrk >/dev/null || { echo "rest_bench: wrk is not installed" >&2; exit 1; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x $NGINX ]] || { echo "rest_bench: nginx is not installed" >&2; exit 1; }

WORK=$(mktemp -d /tmp/cv-rest-bench-XXXXXX)
export COLDVAULT_HOME=$WORK/home
SERVER_PID="" NGINX_PID="" HOLD_PID=""
cleanup() {
  exec 3>&- 2>/dev/null
  [[ -n $HOLD_PID ]] && kill "$HOLD_PID" 2>/dev/null && wait "$HOLD_PID" 2>/dev/null
  [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  [[ -n $NGINX_PID ]] && kill "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null
  [[ -n ${OLD_PID:-} ]] && kill "$OLD_PID" 2>/dev/null && wait "$OLD_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

"$CV" init --vault-name bench -o none
printf 'a-secret-value-of-forty-bytes-0123456789' | "$CV" secret set --vault-name bench --name bench --file - -o none
export CV_TOKEN=$("$CV" token create --vault-name bench --permissions secrets/get 2>/dev/null | jq -r .token)
"$CV" serve --vault-name bench --listen 127.0.0.1:0 >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVER_PID=$!
for _ in $(seq 1 100); do grep -q "listening on" "$WORK/serve.out" 2>/dev/null && break; sleep 0.1; done
URL=$(grep -o 'https://127.0.0.1:[0-9]*' "$WORK/serve.out")
[[ -n $URL ]] || { echo "rest_bench: server did not start: $(cat "$WORK/serve.err")" >&2; exit 1; }
PATH_Q="/secrets/bench/?api-version=7.5"
curl -sf --cacert "$COLDVAULT_HOME/tls/server.pem" -H "Authorization: Bearer $CV_TOKEN" "$URL$PATH_Q" >"$WORK/body.json"
OLD_PID="" OLD_URL=""
OLD_TOKEN=""
if [[ -n $OLD_CV ]]; then
  # Another build (e.g. the cpp-httplib server before ADR 0008, or before the audit log) on a home of its
  # own made by it (a newer catalogue schema is refused by an older build), with the same rows.
  OLD_HOME=$WORK/oldhome
  COLDVAULT_HOME=$OLD_HOME "$OLD_CV" init --vault-name bench -o none
  printf 'a-secret-value-of-forty-bytes-0123456789' |
    COLDVAULT_HOME=$OLD_HOME "$OLD_CV" secret set --vault-name bench --name bench --file - -o none
  OLD_TOKEN=$(COLDVAULT_HOME=$OLD_HOME "$OLD_CV" token create --vault-name bench --permissions secrets/get 2>/dev/null | jq -r .token)
  COLDVAULT_HOME=$OLD_HOME "$OLD_CV" serve --vault-name bench --listen 127.0.0.1:0 >"$WORK/old.out" 2>"$WORK/old.err" &
  OLD_PID=$!
  for _ in $(seq 1 100); do grep -q "listening on" "$WORK/old.out" 2>/dev/null && break; sleep 0.1; done
  OLD_URL=$(grep -o 'https://127.0.0.1:[0-9]*' "$WORK/old.out")
  [[ -n $OLD_URL ]] || { echo "rest_bench: old server did not start: $(cat "$WORK/old.err")" >&2; exit 1; }
fi

# nginx: the same response bytes as a static file, on another free port. coldvault's TLS key is in
# the token, so nginx gets a throwaway software key of the same type (EC P-256); with keep-alive the
# handshakes, the only place the key signs, are a negligible part of either run.
NPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
  -keyout "$WORK/nginx-key.pem" -out "$WORK/nginx-cert.pem" 2>/dev/null
mkdir -p "$WORK/www/secrets/bench"
cp "$WORK/body.json" "$WORK/www/secrets/bench/index.json"
# nginx workers drop to an unprivileged user when started as root: let them reach www/ (only).
chmod 711 "$WORK"
chmod -R a+rX "$WORK/www"
cat >"$WORK/nginx.conf" <<CONF
worker_processes auto;
daemon off;
pid $WORK/nginx.pid;
error_log $WORK/nginx.err warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $WORK/tmp; proxy_temp_path $WORK/tmp; fastcgi_temp_path $WORK/tmp;
  uwsgi_temp_path $WORK/tmp; scgi_temp_path $WORK/tmp;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$NPORT ssl;
    ssl_certificate $WORK/nginx-cert.pem;
    ssl_certificate_key $WORK/nginx-key.pem;
    root $WORK/www;
    location /secrets/bench/ { default_type application/json; try_files /secrets/bench/index.json =404; }
  }
}
CONF
mkdir -p "$WORK/tmp"
"$NGINX" -c "$WORK/nginx.conf" -p "$WORK" 2>"$WORK/nginx.start" &
NGINX_PID=$!
sleep 0.5
curl -sfk "https://127.0.0.1:$NPORT$PATH_Q" >/dev/null || { echo "rest_bench: nginx did not start: $(cat "$WORK/nginx.start" "$WORK/nginx.err" 2>/dev/null)" >&2; exit 1; }

# wrk's --latency table gives the 99% line; figures in ms.
to_ms() {  # wrk duration (850.00us, 1.23ms, 1.02s) -> ms
  awk -v d="$1" 'BEGIN { v = d + 0; if (d ~ /us$/) v /= 1000; else if (d ~ /ms$/) v += 0; else if (d ~ /s$/) v *= 1000; printf "%.3f", v }'
}
declare -A RPS P99
run() {  # name url connections
  local out
  out=$(wrk -t2 -c"$3" -d"${SECS}s" --latency -s "$here/rest_auth.lua" "$2" 2>&1)
  local rps p50 p99 errs
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  errs=$(awk '/Non-2xx or 3xx responses/ {print $5}' <<<"$out")
  RPS[$1,$3]=$rps
  P99[$1,$3]=$(to_ms "$p99")
  ROW="| $1 | $3 | $rps | $p50 | $p99 | ${errs:-0}"
}
echo "REST GET-secret over TLS keep-alive, wrk -t2 ${SECS}s per row, $(nproc) cores, $(date -u +%Y-%m-%d)"
echo
echo "| server | connections | requests/s | p50 | p99 | non-2xx | x nginx req/s | x nginx p99 |"
echo "|---|---|---|---|---|---|---|---|"
for c in 16 64; do
  run "coldvault serve" "$URL$PATH_Q" "$c"
  cv_row=$ROW
  run "nginx static file" "https://127.0.0.1:$NPORT$PATH_Q" "$c"
  ng_row=$ROW
  ratio_rps=$(awk -v a="${RPS[coldvault serve,$c]}" -v b="${RPS[nginx static file,$c]}" 'BEGIN { printf "%.2f", a / b }')
  ratio_p99=$(awk -v a="${P99[coldvault serve,$c]}" -v b="${P99[nginx static file,$c]}" 'BEGIN { printf "%.2f", a / b }')
  echo "$cv_row | $ratio_rps | $ratio_p99 |"
  echo "$ng_row | 1.00 | 1.00 |"
  if [[ -n $OLD_URL ]]; then
    CV_TOKEN=$OLD_TOKEN run "old build" "$OLD_URL$PATH_Q" "$c"
    ratio_rps=$(awk -v a="${RPS[old build,$c]}" -v b="${RPS[nginx static file,$c]}" 'BEGIN { printf "%.2f", a / b }')
    ratio_p99=$(awk -v a="${P99[old build,$c]}" -v b="${P99[nginx static file,$c]}" 'BEGIN { printf "%.2f", a / b }')
    echo "$ROW | $ratio_rps | $ratio_p99 |"
  fi
done

# REST secret set beside `secret set` through the library (secret_bench, one thread, wall time per op) in
# the same run: the difference is what the HTTP layer costs on a write.
SECRET_BENCH=$(dirname "$CV")/bench/secret_bench
if [[ -x $SECRET_BENCH ]]; then
  SET_TOKEN=$("$CV" token create --vault-name bench --permissions secrets/set 2>/dev/null | jq -r .token)
  echo
  echo "REST secret set (PUT, 40-byte value, a new version per request) beside the library's set, same run"
  echo
  echo "| path | connections | ops/s | p99 | non-2xx |"
  echo "|---|---|---|---|---|"
  for c in 1 16; do
    out=$(CV_TOKEN=$SET_TOKEN wrk -t1 -c"$c" -d"${SECS}s" --latency -s "$here/rest_set.lua" "$URL" 2>&1)
    echo "| REST PUT /secrets/{name} | $c | $(awk '/^Requests\/sec/ {print $2}' <<<"$out") | $(awk '$1=="99%" {print $2}' <<<"$out") | $(awk '/Non-2xx or 3xx responses/ {print $5}' <<<"$out" | grep . || echo 0) |"
  done
  lib=$(COLDVAULT_HOME= "$SECRET_BENCH" --benchmark_filter='BM_SecretSet/256$' --benchmark_min_time=1 2>/dev/null |
    awk '/^BM_SecretSet\/256/ {t=$2; u=$3; if (u=="us") t*=1000; if (u=="ms") t*=1000000; printf "%.0f", 1e9 / t}')
  echo "| library vault::Secrets::set (secret_bench, 1 thread, wall time) | - | $lib | - | - |"
fi

# Idle connections: RSS and threads of a server with N keep-alive TLS connections held open, each
# after one GET (as an SDK agent leaves its socket).
proc_field() { awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status"; }
idle_rows() {  # label pid url
  local port=${3##*:}
  socks() { ls -l "/proc/$1/fd" 2>/dev/null | grep -c socket; }
  printf '| %s | 0 | %s | %s | %s |\n' "$1" "$(socks "$2")" "$(( $(proc_field "$2" VmRSS) / 1024 ))" "$(proc_field "$2" Threads)"
  for n in 10 1000; do
    rm -f "$WORK/hold" "$WORK/idle.out"
    mkfifo "$WORK/hold"
    python3 "$IDLE" 127.0.0.1 "$port" "$COLDVAULT_HOME/tls/server.pem" "$CV_TOKEN" "$PATH_Q" "$n" \
      <"$WORK/hold" >"$WORK/idle.out" 2>"$WORK/idle.err" &
    HOLD_PID=$!
    exec 3>"$WORK/hold"
    until grep -q "^ready" "$WORK/idle.out" 2>/dev/null; do
      kill -0 "$HOLD_PID" 2>/dev/null || { echo "rest_bench: idle client failed: $(cat "$WORK/idle.err")" >&2; break; }
      sleep 0.2
    done
    local answered
    answered=$(awk '{print $4}' "$WORK/idle.out")
    printf '| %s | %s (%s answered) | %s | %s | %s |\n' "$1" "$n" "${answered:-0}" "$(socks "$2")" \
      "$(( $(proc_field "$2" VmRSS) / 1024 ))" "$(proc_field "$2" Threads)"
    exec 3>&-
    wait "$HOLD_PID" 2>/dev/null
    HOLD_PID=""
    sleep 1  # the server notices the closes
  done
}
echo
echo "Idle keep-alive TLS connections (one GET each, then held): server RSS (MiB, VmRSS) and threads"
echo
echo "| server | idle connections opened | sockets the server holds | RSS MiB | threads |"
echo "|---|---|---|---|---|"
idle_rows "coldvault serve" "$SERVER_PID" "$URL"
if [[ -n $OLD_URL ]]; then
  curl -sf --cacert "$COLDVAULT_HOME/tls/server.pem" -H "Authorization: Bearer $CV_TOKEN" "$OLD_URL$PATH_Q" >/dev/null
  idle_rows "old build" "$OLD_PID" "$OLD_URL"
fi
