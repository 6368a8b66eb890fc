#!/usr/bin/env bash
# Module recycling under `serve` (docs/adr/0022-module-recycling.md): with the operator's TLS files and the
# bound lowered to 10 session objects ($COLDVAULT_HSM_RECYCLE_AFTER), four clients at once set, back up,
# restore into another vault, read back and sign across several recycles; every answer must be right and the
# log must show the recycles. Then the same with the TLS key in the token (the default serve): every curl
# call is a new TLS handshake, signed in the token through the pool's Services (ADR 0025), so handshakes
# run across the recycles too.
source "$(dirname "$0")/lib.bash"
trap 'stop_server; rm -rf "$WORK"' EXIT

expect_exit 0 "init" -- "$CV" init --vault-name main
expect_exit 0 "second vault" -- "$CV" vault create --vault-name second
MAIN=$("$CV" token create --vault-name main --permissions all 2>/dev/null | jq -r .token)
SECOND=$("$CV" token create --vault-name second --permissions all 2>/dev/null | jq -r .token)
expect_exit 0 "an EC key to sign with" -- "$CV" key create --vault-name main --name signer --kty EC
KV=$(jq -r .key.kid "$WORK/out" | sed 's|.*/||')
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost,DNS:main.vault.localhost,DNS:second.vault.localhost,IP:127.0.0.1" \
  -keyout "$WORK/tls-key.pem" -out "$WORK/tls.pem" 2>/dev/null

# serve with the operator's files prints no "clients must trust it" line: wait for "ready" instead.
COLDVAULT_HSM_RECYCLE_AFTER=10 "$CV" serve --vault-name main --listen 127.0.0.1:0 --workers 3 \
  --tls-cert "$WORK/tls.pem" --tls-key "$WORK/tls-key.pem" >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVER_PID=$!
until grep -q "coldvault serve: ready" "$WORK/serve.err" 2>/dev/null; do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then bad "serve exited: $(cat "$WORK/serve.err")"; SERVER_PID=""; finish; exit 1; fi
  sleep 0.1
done
PORT=$(grep -o 'https://127.0.0.1:[0-9]*' "$WORK/serve.out" | grep -o '[0-9]*$')

# client N TRUST PREFIX: 12 rounds; prints one line per wrong answer, nothing when all were right.
client() {
  local n=$1 trust=$2 p=$3 i body blob got
  local c=(-sS --cacert "$trust" -H "Content-Type: application/json"
    --resolve "main.vault.localhost:$PORT:127.0.0.1" --resolve "second.vault.localhost:$PORT:127.0.0.1")
  local m="https://main.vault.localhost:$PORT" s="https://second.vault.localhost:$PORT" v="api-version=7.4"
  for i in $(seq 1 12); do
    body=$(curl "${c[@]}" -H "Authorization: Bearer $MAIN" -X PUT "$m/secrets/$p$n-$i?$v" --data "{\"value\":\"v$n-$i\"}")
    [[ $(jq -r .value <<<"$body") == "v$n-$i" ]] || { echo "client $n round $i: set: $body"; continue; }
    blob=$(curl "${c[@]}" -H "Authorization: Bearer $MAIN" -X POST -H "Content-Length: 0" "$m/secrets/$p$n-$i/backup?$v" | jq -r .value)
    [[ -n $blob && $blob != null ]] || { echo "client $n round $i: backup failed"; continue; }
    body=$(curl "${c[@]}" -H "Authorization: Bearer $SECOND" -X POST "$s/secrets/restore?$v" --data "{\"value\":\"$blob\"}")
    [[ $(jq -r .id <<<"$body") == */secrets/$p$n-$i/* ]] || { echo "client $n round $i: restore: $body"; continue; }
    body=$(curl "${c[@]}" -w '\n%{http_code}' -H "Authorization: Bearer $SECOND" "$s/secrets/$p$n-$i?$v")
    local rc=$?
    got=$(head -n -1 <<<"$body" | jq -r .value 2>/dev/null)
    [[ $got == "v$n-$i" ]] || echo "client $n round $i: restored value '$got' (curl exit $rc, HTTP $(tail -n 1 <<<"$body"): $(head -c 300 <<<"$body"))"
    body=$(curl "${c[@]}" -H "Authorization: Bearer $MAIN" -X POST "$m/keys/signer/$KV/sign?$v" \
      --data '{"alg":"ES256","value":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"}')
    got=$(jq -r .value <<<"$body")
    body=$(curl "${c[@]}" -H "Authorization: Bearer $MAIN" -X POST "$m/keys/signer/$KV/verify?$v" \
      --data "{\"alg\":\"ES256\",\"digest\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\",\"value\":\"$got\"}")
    [[ $(jq -r .value <<<"$body") == true ]] || echo "client $n round $i: verify: $body"
  done
}
# run_clients TRUST PREFIX LOG: four clients at once, then the checks on their answers and on LOG.
run_clients() {
  local trust=$1 p=$2 log=$3 n
  for n in 1 2 3 4; do client "$n" "$trust" "$p" >"$WORK/client$n" 2>"$WORK/curl$n.err" & done
  wait $(jobs -p | grep -v "^$SERVER_PID$") 2>/dev/null
  for n in 1 2 3 4; do
    expect_eq "$(cat "$WORK/client$n")" "" "$p: client $n: every answer right across recycles"
  done
  [[ -z $(cat "$WORK"/client?) ]] || {
    echo "# curl said:"; cat "$WORK"/curl?.err | head -n 10 | sed 's/^/#   /'
    echo "# the server's log around then:"; grep -v "reopening every vault worker" "$log" | tail -n 15 | sed 's/^/#   /'
  }
  RECYCLES=$(grep -c "reopening every vault worker" "$log")
  if [[ $RECYCLES -ge 3 ]]; then ok "$p: the server recycled the module $RECYCLES times"; else bad "$p: recycles: $RECYCLES, wanted >= 3"; fi
  if grep -q " -> 5[0-9][0-9] " "$log"; then bad "$p: 5xx in the log: $(grep ' -> 5' "$log" | head -3)"; else ok "$p: no 5xx"; fi
  if grep -q "handshake cannot be signed" "$log"; then bad "$p: $(grep -m1 'handshake cannot' "$log")"; else ok "$p: every handshake signed"; fi
}
run_clients "$WORK/tls.pem" files "$WORK/serve.err"
stop_server

# The TLS key in the token: each curl call's handshake signs through a pooled Service, recycled like the rest.
COLDVAULT_HSM_RECYCLE_AFTER=10 start_serve tokentls --vault-name main --listen 127.0.0.1:0 --workers 3
run_clients "$CERT" token "$WORK/tokentls.err"
stop_server
finish
