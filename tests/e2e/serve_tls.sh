#!/usr/bin/env bash
# `serve` TLS: the key lives in the token (nothing private in the home, the certificate carries the
# token object's public key), the TLS 1.2 floor and cipher list, and migration of the earlier layout
# (software CA and server key files) on first start.
source "$(dirname "$0")/lib.bash"
MODULE=/usr/lib/softhsm/libsofthsm2.so
trap 'stop_server; rm -rf "$WORK"' EXIT

# start_server NAME: runs serve in the background, waits for the "clients must trust it" line,
# sets PORT and CERT. Waiting is bounded by the server's exit, not by a clock.
start_server() { start_serve "$1" --vault-name tlsv --listen 127.0.0.1:0; }

expect_exit 0 "init" -- "$CV" init --vault-name tlsv
KID=$("$CV" domain show | jq -r .kid)
TOKEN=$("$CV" token create --vault-name tlsv --permissions secrets/list | jq -r .token)

# A home of the earlier layout: software CA and server keys in 0600 files.
mkdir -p "$COLDVAULT_HOME/tls"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "/CN=old CA" \
  -keyout "$COLDVAULT_HOME/tls/ca-key.pem" -out "$COLDVAULT_HOME/tls/ca.pem" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$COLDVAULT_HOME/tls/server-key.pem"
expect_eq "$(grep -rla 'PRIVATE KEY' "$COLDVAULT_HOME" | wc -l)" "2" "the planted old layout holds two key files"

start_server first
expect_eq "$CERT" "$COLDVAULT_HOME/tls/server.pem" "the trusted file is the certificate in the home"
expect_contains "$WORK/first.out" "removed $COLDVAULT_HOME/tls/ca-key.pem" "migration says it removed the old CA key"
expect_contains "$WORK/first.out" "removed $COLDVAULT_HOME/tls/server-key.pem" "migration says it removed the old server key"
for f in ca-key.pem server-key.pem ca.pem; do
  if [[ -e "$COLDVAULT_HOME/tls/$f" ]]; then bad "old $f still present"; else ok "old $f removed"; fi
done
# Every file of the home, the token's object files included, while the server runs.
LEFT=$(grep -rla 'PRIVATE KEY' "$COLDVAULT_HOME")
expect_eq "$LEFT" "" "no file in the home contains PRIVATE KEY"
expect_eq "$(grep -c 'BEGIN' "$CERT")" "1" "the certificate file holds exactly one PEM block"
expect_contains "$CERT" "BEGIN CERTIFICATE" "and it is a certificate"

# The certificate's public key is the token object's (read from the token with OpenSC's tool).
export SOFTHSM2_CONF="$COLDVAULT_HOME/softhsm2.conf"
openssl x509 -in "$CERT" -pubkey -noout | openssl pkey -pubin -outform DER -out "$WORK/cert-pub.der"
expect_exit 0 "read the token's TLS public key" -- pkcs11-tool --module "$MODULE" --token-label coldvault \
  --read-object --type pubkey --label "coldvault-tls-$KID" -o "$WORK/token-pub.der"
expect_eq "$(sha256sum <"$WORK/token-pub.der")" "$(sha256sum <"$WORK/cert-pub.der")" \
  "certificate public key equals the token object's"
expect_exit 0 "list the token's private keys" -- pkcs11-tool --module "$MODULE" --token-label coldvault \
  --login --pin "$(cat "$COLDVAULT_HOME/user.pin")" --list-objects --type privkey
awk -v l="coldvault-tls-$KID" '$0 ~ "label: *"l"$" {p=1} p && /Access:/ {print; exit}' "$WORK/out" >"$WORK/access"
expect_contains "$WORK/access" "never extractable" "the TLS private key is non-extractable"
expect_contains "$WORK/access" "sensitive" "the TLS private key is sensitive"
unset SOFTHSM2_CONF

# TLS 1.1 is refused by the server (the client is allowed to offer it at security level 0).
expect_exit 1 "TLS 1.1 client refused" -- bash -c "openssl s_client -connect 127.0.0.1:$PORT -tls1_1 \
  -cipher 'DEFAULT:@SECLEVEL=0' </dev/null"
expect_contains "$WORK/err" "alert protocol version" "refused with a protocol-version alert from the server"
# TLS 1.2 with ECDHE-ECDSA-AES128-GCM verifies against the certificate; the server signed its
# ServerKeyExchange with the token key.
expect_exit 0 "TLS 1.2 ECDHE-ECDSA-AES128-GCM works" -- bash -c "openssl s_client -connect 127.0.0.1:$PORT \
  -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256 -CAfile '$CERT' -verify_return_error -verify_hostname localhost </dev/null"
expect_contains "$WORK/out" "Cipher is ECDHE-ECDSA-AES128-GCM-SHA256" "negotiated cipher"
expect_contains "$WORK/out" "Verify return code: 0 (ok)" "certificate verified"
expect_exit 1 "TLS 1.2 CBC cipher refused" -- bash -c "openssl s_client -connect 127.0.0.1:$PORT -tls1_2 \
  -cipher ECDHE-ECDSA-AES128-SHA256 </dev/null"
expect_exit 0 "TLS 1.3 works" -- bash -c "openssl s_client -connect 127.0.0.1:$PORT -tls1_3 -CAfile '$CERT' \
  -verify_return_error </dev/null"
expect_contains "$WORK/out" "TLSv1.3" "TLS 1.3 negotiated"

expect_exit 0 "curl --cacert (127.0.0.1)" -- curl -sf --cacert "$CERT" -H "Authorization: Bearer $TOKEN" \
  "https://127.0.0.1:$PORT/secrets?api-version=7.5"
expect_eq "$(jq -r '.value | length' "$WORK/out")" "0" "a Key Vault list came back"
expect_exit 0 "curl --cacert (localhost)" -- curl -sf --cacert "$CERT" -H "Authorization: Bearer $TOKEN" \
  "https://localhost:$PORT/secrets?api-version=7.5"
expect_exit 0 "curl --cacert (tlsv.vault.localhost)" -- curl -sf --cacert "$CERT" --resolve \
  "tlsv.vault.localhost:$PORT:127.0.0.1" -H "Authorization: Bearer $TOKEN" \
  "https://tlsv.vault.localhost:$PORT/secrets?api-version=7.5"
stop_server

# A restart reuses the token key and the certificate (clients keep trusting the same file).
SUM=$(sha256sum <"$CERT")
start_server second
expect_eq "$(sha256sum <"$CERT")" "$SUM" "restart keeps the certificate"
if grep -q removed "$WORK/second.out"; then bad "nothing to migrate the second time"; else ok "nothing to migrate the second time"; fi
expect_exit 0 "curl after restart" -- curl -sf --cacert "$CERT" -H "Authorization: Bearer $TOKEN" \
  "https://127.0.0.1:$PORT/secrets?api-version=7.5"
stop_server

# A new vault needs a new name in the certificate: re-issued with the same token key.
expect_exit 0 "second vault" -- "$CV" vault create --vault-name tlsw
start_server third
if [[ $(sha256sum <"$CERT") != "$SUM" ]]; then ok "certificate re-issued for the new name"; else bad "certificate not re-issued"; fi
expect_exit 0 "new name in the certificate" -- openssl x509 -in "$CERT" -noout -ext subjectAltName
expect_contains "$WORK/out" "tlsw.vault.localhost" "SAN carries the new vault"
openssl x509 -in "$CERT" -pubkey -noout | openssl pkey -pubin -outform DER -out "$WORK/cert-pub3.der"
expect_eq "$(sha256sum <"$WORK/cert-pub3.der")" "$(sha256sum <"$WORK/token-pub.der")" "same token key"
stop_server
expect_contains "$WORK/third.err" "stopped; 0 server errors" "server stopped cleanly"

# --ephemeral serves on 127.0.0.1 only: an address is refused, not silently ignored; drop-in flags need it.
expect_exit 2 "serve --ephemeral --listen: refused" -- "$CV" serve --ephemeral --vault-name eph --listen 0.0.0.0:8443
expect_contains "$WORK/err" "use --port" "the refusal says what to use"
expect_exit 2 "serve --port without --ephemeral: refused" -- "$CV" serve --vault-name tlsv --port 0
expect_exit 2 "serve --seed without --ephemeral: refused" -- "$CV" serve --vault-name tlsv --seed "$WORK/none.json"

finish
