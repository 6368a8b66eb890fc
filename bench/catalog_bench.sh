#!/usr/bin/env bash
# The same REST secret load against the SQLite catalogue and against a PostgreSQL catalogue on loopback, with
# one and with two `coldvault serve` processes, beside pgbench on the same PostgreSQL in the same run (issue 21,
# ADR 0023). GET: a 40-byte secret read over TLS keep-alive; PUT: a new version of one secret each request
# (every one a durable commit: SQLite synchronous=FULL, PostgreSQL fsync and synchronous_commit on). With two
# servers each gets half the connections (two wrk processes at once); ops/s is their sum, p99 the worse one.
#   bench/catalog_bench.sh [path/to/coldvault] [seconds per run, default 10] [connections, default 16]
# Starts its own PostgreSQL through tests/pg/pg-env (root, Debian's postgresql). Prints a Markdown table for
# docs/performance.md ("Catalogue backends").
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
CV=${1:-$here/../build/coldvault}
SECS=${2:-10}
CONNS=${3:-16}
if [[ -z ${COLDVAULT_TEST_POSTGRES:-} ]]; then
  PG_ENV_FSYNC=on exec "$here/../tests/pg/pg-env" run -- "$0" "$CV" "$SECS" "$CONNS"
fi
command -v wrk >/dev/null || { echo "catalog_bench: wrk is not installed" >&2; exit 1; }
WORK=$(mktemp -d /tmp/cv-catalog-bench-XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT
unset COLDVAULT_PIN

# serve_home HOME OUT: starts a server of HOME, prints its URL.
serve_home() {
  COLDVAULT_HOME=$1 "$CV" serve --vault-name bench --listen 127.0.0.1:0 --purge-interval 0 >"$2" 2>"$2.err" &
  PIDS+=($!)
  for _ in $(seq 1 300); do grep -q "listening on" "$2" 2>/dev/null && break; sleep 0.1; done
  grep -o 'https://127.0.0.1:[0-9]*' "$2" || { echo "catalog_bench: serve did not start: $(cat "$2.err")" >&2; exit 1; }
}
stop_servers() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  PIDS=()
}
to_ms() {  # wrk duration (850.00us, 1.23ms, 1.02s) -> ms
  awk -v d="$1" 'BEGIN { v = d + 0; if (d ~ /us$/) v /= 1000; else if (d ~ /ms$/) v = v; else if (d ~ /s$/) v *= 1000;
                 printf "%.2f", v }'
}
# load SCRIPT URL...: wrk on each URL at once with CONNS/len(URL) connections; prints "ops/s p99ms errors".
load() {
  local script=$1; shift
  local n=$# c=$((CONNS / $#)) i=0 outs=()
  for url in "$@"; do
    wrk -t1 -c"$c" -d"${SECS}s" --latency -s "$here/$script" "$url" >"$WORK/wrk.$i" 2>&1 &
    outs+=($!); i=$((i + 1))
  done
  wait "${outs[@]}"
  local rps=0 p99=0 errs=0
  for ((i = 0; i < n; i++)); do
    local r p e
    r=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk.$i")
    p=$(to_ms "$(awk '$1 == "99%" {print $2}' "$WORK/wrk.$i")")
    e=$(awk '/Non-2xx/ {print $NF} /Socket errors/ {print 1}' "$WORK/wrk.$i" | head -1)
    rps=$(awk -v a="$rps" -v b="$r" 'BEGIN {printf "%.0f", a + b}')
    p99=$(awk -v a="$p99" -v b="$p" 'BEGIN {print (b > a ? b : a)}')
    errs=$((errs + ${e:-0}))
  done
  echo "$rps $p99 $errs"
}

# make_home NAME [--catalog URL]: a home with vault "bench", secret "bench", and a token in $WORK/NAME.token.
make_home() {
  local name=$1 home=$WORK/$1; shift
  COLDVAULT_HOME=$home "$CV" init --vault-name bench -o none "$@"
  printf 'a-secret-value-of-forty-bytes-0123456789' |
    COLDVAULT_HOME=$home "$CV" secret set --vault-name bench --name bench --file - -o none
  COLDVAULT_HOME=$home "$CV" token create --vault-name bench --permissions all 2>/dev/null | jq -r .token >"$WORK/$name.token"
}
copy_home() {  # a second node: the home and its token folder copied (tests/pg/cluster.py does the same)
  cp -a "$WORK/$1" "$WORK/$2"
  sed -i "s|^directories.tokendir = .*|directories.tokendir = $WORK/$2/tokens|" "$WORK/$2/softhsm2.conf"
}

psql -X -q "$COLDVAULT_TEST_POSTGRES/postgres" -c "CREATE DATABASE bench" -c "CREATE DATABASE pgbench"
make_home sqlite
make_home pg --catalog "$COLDVAULT_TEST_POSTGRES/bench"
copy_home pg pg2
cp "$WORK/pg.token" "$WORK/pg2.token"

echo "Catalogue backends: REST over TLS keep-alive, wrk ${CONNS} connections, ${SECS}s per row, $(nproc) cores, $(date -u +%Y-%m-%d)"
echo
echo "| catalogue | servers | GET ops/s | GET p99 ms | PUT ops/s | PUT p99 ms | errors |"
echo "|---|---|---|---|---|---|---|"
row() {  # row LABEL N HOME...
  local label=$1 n=$2; shift 2
  local urls=() h
  for h in "$@"; do urls+=("$(serve_home "$WORK/$h" "$WORK/$h.serve")"); done
  export CV_TOKEN=$(cat "$WORK/$1.token")
  read -r g gp ge <<<"$(load rest_auth.lua "${urls[@]/%//secrets/bench?api-version=7.5}")"
  read -r p pp pe <<<"$(load rest_set.lua "${urls[@]}")"
  echo "| $label | $n | $g | $gp | $p | $pp | $((ge + pe)) |"
  stop_servers
}
row "SQLite (file)" 1 sqlite
row "SQLite (file)" 2 sqlite sqlite
row "PostgreSQL (loopback)" 1 pg
row "PostgreSQL (loopback)" 2 pg pg2

# pgbench on the same server: its select-only and its simple-update (-N) transactions, same connections.
pgbench -q -i -s 10 "$COLDVAULT_TEST_POSTGRES/pgbench" >"$WORK/pgb-init.out" 2>&1 ||
  { echo "catalog_bench: pgbench -i failed: $(tail -3 "$WORK/pgb-init.out")" >&2; exit 1; }
pgb() {  # pgb LABEL ARGS: tps and p99 from pgbench's per-transaction log (latency in µs, third column)
  shift  # the label names the row only
  rm -f "$WORK"/pgb.*
  (cd "$WORK" && pgbench -n "$@" -c "$CONNS" -j 2 -T "$SECS" -l --log-prefix="$WORK/pgb" \
    "$COLDVAULT_TEST_POSTGRES/pgbench" >"$WORK/pgbench.out" 2>&1) ||
    { echo "catalog_bench: pgbench failed: $(tail -3 "$WORK/pgbench.out")" >&2; exit 1; }
  local tps p99
  tps=$(awk '/^tps/ {printf "%.0f", $3; exit}' "$WORK/pgbench.out")
  p99=$(cat "$WORK"/pgb.[0-9]* | awk '{print $3}' | sort -n | awk '{a[NR] = $1} END {printf "%.2f", a[int(NR * 0.99)] / 1000}')
  echo "$tps $p99"
}
read -r st sp <<<"$(pgb select -S)"
read -r ut up <<<"$(pgb update -N)"
echo "| pgbench on the same PostgreSQL (select-only / simple-update) | - | $st | $sp | $ut | $up | - |"
