#!/usr/bin/env bash
# `serve` transport: idle keep-alive connections cost no thread, pipelined requests are answered in
# order, a chunked body is decoded, an ambiguous framing (Content-Length and Transfer-Encoding) is
# refused with 400 and the connection closed, and malformed input gets a JSON error.
source "$(dirname "$0")/lib.bash"
IDLE=$(cd "$(dirname "$0")/../tools" && pwd)/idle_tls_conns.py
HOLD_PID=""
stop_all() {
  exec 3>&- 2>/dev/null
  [[ -n $HOLD_PID ]] && kill "$HOLD_PID" 2>/dev/null && wait "$HOLD_PID" 2>/dev/null
  HOLD_PID=""
  stop_server
}
trap 'stop_all; rm -rf "$WORK"' EXIT

expect_exit 0 "init" -- "$CV" init --vault-name transport
printf 'first-value' | "$CV" secret set --vault-name transport --name one --file - -o none
TOKEN=$("$CV" token create --vault-name transport --permissions secrets/get,secrets/set | jq -r .token)

start_serve serve --vault-name transport --listen 127.0.0.1:0
URL="https://127.0.0.1:$PORT"
API="api-version=7.5"
threads() { awk '/^Threads:/ {print $2}' "/proc/$SERVER_PID/status"; }
# raw REQUEST_FILE: sends the bytes over TLS and prints what comes back until the server closes;
# `timeout` only bounds a hang (a server that does not close fails the test that expects it).
raw() { timeout 20 openssl s_client -quiet -connect "127.0.0.1:$PORT" -CAfile "$CERT" <"$1" 2>/dev/null; }

expect_contains "$WORK/serve.out" "event-loop threads" "start-up line names the event-loop threads"

# --- 300 idle keep-alive connections cost no thread.
expect_exit 0 "a GET before the idle connections" -- curl -sf --cacert "$CERT" -H "Authorization: Bearer $TOKEN" "$URL/secrets/one?$API"
BEFORE=$(threads)
mkfifo "$WORK/hold"
python3 "$IDLE" 127.0.0.1 "$PORT" "$CERT" "$TOKEN" "/secrets/one?$API" 300 <"$WORK/hold" >"$WORK/idle.out" 2>"$WORK/idle.err" &
HOLD_PID=$!
exec 3>"$WORK/hold"
until grep -q "^ready" "$WORK/idle.out" 2>/dev/null; do
  if ! kill -0 "$HOLD_PID" 2>/dev/null; then bad "idle client exited: $(cat "$WORK/idle.err")"; break; fi
  sleep 0.2
done
expect_contains "$WORK/idle.out" "ready 300 ok 300" "300 connections each got a 200 and are held open"
OPEN=$(ls -l "/proc/$SERVER_PID/fd" 2>/dev/null | grep -c socket)
if (( OPEN >= 300 )); then ok "the server holds the 300 sockets ($OPEN sockets open)"; else bad "the server holds only $OPEN sockets"; fi
expect_eq "$(threads)" "$BEFORE" "thread count with 300 idle connections equals the count before them"
expect_exit 0 "the server still answers with 300 idle connections open" -- \
  curl -sf --cacert "$CERT" -H "Authorization: Bearer $TOKEN" "$URL/secrets/one?$API"
expect_contains "$WORK/out" '"value":"first-value"' "and the answer is right"
exec 3>&-
wait "$HOLD_PID" 2>/dev/null
HOLD_PID=""

# --- A chunked PUT (curl sends the body in chunked encoding), then read back.
expect_exit 0 "chunked PUT" -- curl -sf --cacert "$CERT" -H "Authorization: Bearer $TOKEN" \
  -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' -X PUT --data '{"value":"chunked-value"}' \
  "$URL/secrets/two?$API"
expect_contains "$WORK/out" '"value":"chunked-value"' "the chunked body was decoded"
expect_exit 0 "GET the chunked secret" -- curl -sf --cacert "$CERT" -H "Authorization: Bearer $TOKEN" "$URL/secrets/two?$API"
expect_contains "$WORK/out" '"value":"chunked-value"' "the stored value is the decoded body"

# --- Two pipelined requests in one write: two answers, in order.
printf 'GET /secrets/one?%s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n\r\nGET /secrets/two?%s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\nConnection: close\r\n\r\n' \
  "$API" "$TOKEN" "$API" "$TOKEN" >"$WORK/pipelined"
raw "$WORK/pipelined" >"$WORK/pipelined.out"
expect_eq "$(grep -ao 'HTTP/1.1 [0-9]*' "$WORK/pipelined.out" | tr '\n' ' ')" "HTTP/1.1 200 HTTP/1.1 200 " "two pipelined requests, two 200 answers"
expect_eq "$(grep -ao '"value":"[a-z-]*"' "$WORK/pipelined.out" | tr '\n' ' ')" '"value":"first-value" "value":"chunked-value" ' \
  "answered in the order asked"

# --- Content-Length and Transfer-Encoding together: 400 and the connection closes (the next
# request on it is never answered).
printf 'PUT /secrets/three?%s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /secrets/one?%s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n\r\n' \
  "$API" "$TOKEN" "$API" "$TOKEN" >"$WORK/smuggle"
raw "$WORK/smuggle" >"$WORK/smuggle.out"
expect_eq "$?" "0" "the server closed the connection itself"
expect_eq "$(grep -ao 'HTTP/1.1 [0-9]*' "$WORK/smuggle.out" | tr '\n' ' ')" "HTTP/1.1 400 " "one answer, 400"
expect_contains "$WORK/smuggle.out" "Connection: close" "with Connection: close"
expect_contains "$WORK/smuggle.out" '"code":"BadParameter"' "and Key Vault's JSON error body"
expect_exit 0 "nothing was stored" -- curl -s --cacert "$CERT" -H "Authorization: Bearer $TOKEN" "$URL/secrets/three?$API"
expect_contains "$WORK/out" "SecretNotFound" "secret three does not exist"

# --- A bare LF is 400 with a JSON body, not a hang.
printf 'GET /secrets/one?%s HTTP/1.1\nHost: 127.0.0.1\n\n' "$API" >"$WORK/bare"
raw "$WORK/bare" >"$WORK/bare.out"
expect_contains "$WORK/bare.out" "HTTP/1.1 400" "a bare LF is refused with 400"

# --- Clients that hang up with answers in flight (as wrk does at the end of a run: 32 connections with
# pipelined GETs, closed without reading, 20 times). The server's writes then fail with EPIPE, which
# killed it with SIGPIPE before serve ignored that signal; it must go on serving.
cat >"$WORK/hangup.py" <<'PY'
import socket, ssl, sys
port, cafile, token = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context(cafile=cafile)
req = (f"GET /secrets/one?api-version=7.5 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
       f"Authorization: Bearer {token}\r\n\r\n").encode()
try:
    for _ in range(20):
        conns = [ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="localhost")
                 for _ in range(32)]
        for c in conns:
            c.sendall(req)
            c.recv(1)  # the first answer is arriving
            c.sendall(req * 4)
        for c in conns:
            c.close()  # with answers unread: the kernel resets the connection
except OSError as e:
    print(f"client error: {e}")  # the checks below say whether the server survived
PY
python3 "$WORK/hangup.py" "$PORT" "$CERT" "$TOKEN" >"$WORK/hangup.out" 2>&1
if kill -0 "$SERVER_PID" 2>/dev/null; then ok "the server survives clients hanging up mid-answer"; else bad "the server died: $(cat "$WORK/hangup.out")"; fi
expect_exit 0 "and still answers" -- curl -sf --cacert "$CERT" -H "Authorization: Bearer $TOKEN" "$URL/secrets/one?$API"

kill -TERM "$SERVER_PID"
wait "$SERVER_PID"
SERVER_PID=""
expect_contains "$WORK/serve.err" "stopped; 0 server errors (5xx)" "the server stops cleanly with no 5xx"
finish
