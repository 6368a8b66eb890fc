#!/usr/bin/env bash
# BYOK both ways (docs/keys.md, "BYOK"): vault other makes a KEK (key_ops import) and hands out its public key;
# vault main wraps a key for it with `key export-byok`; other imports the .byok through REST PUT /keys with key_hsm,
# signs with it, and main's original key verifies the signature. Bad blobs are 400 and store nothing.
source "$(dirname "$0")/lib.bash"
trap 'stop_server; rm -rf "$WORK"' EXIT

b64u() { basenc --base64url -w0 | tr -d '='; }

expect_exit 0 "init" -- "$CV" init --vault-name main
expect_exit 0 "vault other" -- "$CV" vault create --vault-name other
expect_exit 0 "KEK in b" -- "$CV" key create --vault-name other --name kek --kty RSA-HSM --size 2048 --ops import
KEK_KID=$(jq -r .key.kid "$WORK/out")
expect_exit 0 "plain RSA key in b" -- "$CV" key create --vault-name other --name plain --kty RSA-HSM --ops encrypt decrypt
PLAIN_KID=$(jq -r .key.kid "$WORK/out")
expect_exit 2 "import on an EC key refused" -- "$CV" key create --vault-name other --name eck --kty EC --ops import
expect_exit 0 "KEK public key" -- "$CV" key download --vault-name other --name kek --file "$WORK/kek.pem"
expect_exit 0 "plain public key" -- "$CV" key download --vault-name other --name plain --file "$WORK/plain.pem"
expect_exit 0 "a key not made exportable in main" -- "$CV" key create --vault-name main --name kept --kty RSA-HSM
expect_exit 5 "export-byok of a key not made exportable: Forbidden (exit 5)" -- "$CV" key export-byok \
  --vault-name main --name kept --kek "$WORK/kek.pem" --kek-kid "$KEK_KID" --file "$WORK/kept.byok"
expect_contains "$WORK/err" "was not created exportable" "the refusal says why"
if [[ -e "$WORK/kept.byok" ]]; then bad "a file was written for the refused export"; else ok "no file for the refused export"; fi
expect_exit 0 "exportable key in main" -- "$CV" key create --vault-name main --name k --kty RSA-HSM --size 2048 --exportable
expect_exit 0 "export-byok" -- "$CV" key export-byok --vault-name main --name k --kek "$WORK/kek.pem" \
  --kek-kid "$KEK_KID" --file "$WORK/k.byok"
expect_eq "$(jq -r .header.kid "$WORK/k.byok")" "$KEK_KID" "header.kid is the KEK"
expect_eq "$(jq -r .header.enc "$WORK/k.byok")" "CKM_RSA_AES_KEY_WRAP" "enc"
expect_exit 4 "export-byok never overwrites" -- "$CV" key export-byok --vault-name main --name k \
  --kek "$WORK/kek.pem" --kek-kid "$KEK_KID" --file "$WORK/k.byok"
expect_exit 0 "export-byok for the plain key" -- "$CV" key export-byok --vault-name main --name k \
  --kek "$WORK/plain.pem" --kek-kid "$PLAIN_KID" --file "$WORK/plain.byok"
expect_exit 0 "exportable EC key in main" -- "$CV" key create --vault-name main --name e --kty EC-HSM --curve P-384 --exportable
expect_exit 0 "export-byok of the EC key" -- "$CV" key export-byok --vault-name main --name e --kek "$WORK/kek.pem" \
  --kek-kid "$KEK_KID" --file "$WORK/e.byok"
# A flipped byte near the end of the ciphertext (inside the AES key-wrap part).
jq -c '.ciphertext |= (.[0:-3] + (if .[-3:-2] == "A" then "B" else "A" end) + .[-2:])' "$WORK/k.byok" >"$WORK/tampered.byok"

TOKEN=$("$CV" token create --vault-name other --permissions all 2>/dev/null | jq -r .token)
start_serve serve --vault-name main --listen 127.0.0.1:0 --purge-interval 0
put() {  # put NAME BYOK-FILE [KTY]: PUT /keys/NAME in b with key_hsm; status in $STATUS, body in $WORK/body
  local body
  body=$(jq -n --arg h "$(b64u <"$2")" --arg kty "${3:-RSA-HSM}" '{key: {kty: $kty, key_hsm: $h}}')
  STATUS=$(curl -s --cacert "$CERT" -o "$WORK/body" -w '%{http_code}' -X PUT -H "Authorization: Bearer $TOKEN" \
    --resolve "other.vault.localhost:$PORT:127.0.0.1" -H "Content-Type: application/json" --data "$body" \
    "https://other.vault.localhost:$PORT/keys/$1?api-version=7.4")
}
put moved "$WORK/plain.byok"
expect_eq "$STATUS" "400" "a KEK without import is refused"
expect_contains "$WORK/body" "is not a key-exchange key" "naming why"
put moved "$WORK/tampered.byok"
expect_eq "$STATUS" "400" "a tampered ciphertext is refused"
expect_contains "$WORK/body" "does not unwrap under KEK" "naming why"
printf '{not json' >"$WORK/junk.byok"
put moved "$WORK/junk.byok"
expect_eq "$STATUS" "400" "malformed JSON is refused"
put moved "$WORK/k.byok" EC-HSM
expect_eq "$STATUS" "400" "an RSA target sent as EC-HSM is refused"
STATUS=$(curl -s --cacert "$CERT" -o "$WORK/body" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
  --resolve "other.vault.localhost:$PORT:127.0.0.1" "https://other.vault.localhost:$PORT/keys/moved?api-version=7.4")
expect_eq "$STATUS" "404" "nothing was stored by the refusals"
put moved "$WORK/k.byok"
expect_eq "$STATUS" "200" "the .byok imports through key_hsm"
expect_eq "$(jq -r .key.kty "$WORK/body")" "RSA-HSM" "as RSA-HSM"
put movede "$WORK/e.byok" EC-HSM
expect_eq "$STATUS" "200" "the EC .byok imports through key_hsm (no crv: the public point is recovered)"
expect_eq "$(jq -r .key.crv "$WORK/body")" "P-384" "on its own curve"
stop_server

expect_exit 0 "main's public key" -- "$CV" key download --vault-name main --name k --file "$WORK/k.pem"
expect_exit 0 "b's imported key" -- "$CV" key download --vault-name other --name moved --file "$WORK/moved.pem"
expect_exit 0 "has the same public key" -- cmp "$WORK/k.pem" "$WORK/moved.pem"
DIGEST=$(printf 'moved with byok' | openssl dgst -sha256 -binary | b64u)
expect_exit 0 "b signs with the moved key" -- "$CV" key sign --vault-name other --name moved --algorithm RS256 --digest "$DIGEST"
SIG=$(jq -r .value "$WORK/out")
expect_exit 0 "main's key verifies it" -- "$CV" key verify --vault-name main --name k --algorithm RS256 --digest "$DIGEST" --signature "$SIG"
expect_eq "$(jq -r .value "$WORK/out")" "true" "the signature is valid: the key is the same"
expect_exit 0 "main's EC public key" -- "$CV" key download --vault-name main --name e --file "$WORK/e.pem"
expect_exit 0 "b's imported EC key" -- "$CV" key download --vault-name other --name movede --file "$WORK/movede.pem"
expect_exit 0 "has the same EC public key" -- cmp "$WORK/e.pem" "$WORK/movede.pem"
DIGEST=$(printf 'moved with byok' | openssl dgst -sha384 -binary | b64u)
expect_exit 0 "b signs with the moved EC key" -- "$CV" key sign --vault-name other --name movede --algorithm ES384 --digest "$DIGEST"
SIG=$(jq -r .value "$WORK/out")
expect_exit 0 "main's EC key verifies it" -- "$CV" key verify --vault-name main --name e --algorithm ES384 --digest "$DIGEST" --signature "$SIG"
expect_eq "$(jq -r .value "$WORK/out")" "true" "the ES384 signature is valid: the EC key is the same"
finish
