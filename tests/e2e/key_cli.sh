#!/usr/bin/env bash
# Every `coldvault key` verb and its errors through the real binary, with the openssl command line as
# the outside party: signatures verify with the downloaded public key, openssl's OAEP ciphertexts decrypt.
source "$(dirname "$0")/lib.bash"

b64u() { basenc --base64url -w0 | tr -d '='; }           # stdin -> base64url, unpadded
unb64u() { local s=$1; while (( ${#s} % 4 )); do s+='='; done; printf %s "$s" | basenc -d --base64url; }
K=(--vault-name main)

expect_exit 0 "init" -- "$CV" init --vault-name main

# --- create, show, list ------------------------------------------------------------------------
expect_exit 0 "create RSA-HSM 2048" -- "$CV" key create "${K[@]}" --name rsa --kty RSA-HSM --size 2048 --tags env=test
expect_eq "$(jq -r .key.kty "$WORK/out")" "RSA-HSM" "kty reported as given"
RSA_V1=$(jq -r '.key.kid | split("/") | last' "$WORK/out")
expect_eq "$(jq -r '.key | has("d") or has("p") or has("q") or has("dp") or has("dq") or has("qi")' "$WORK/out")" "false" "no private parts"
expect_eq "$(jq -r .attributes.exportable "$WORK/out")" "false" "not exportable"
expect_exit 0 "create RSA 3072" -- "$CV" key create "${K[@]}" --name rsa3k --kty RSA --size 3072
expect_exit 0 "create EC P-256" -- "$CV" key create "${K[@]}" --name ec --kty EC --curve P-256
expect_exit 0 "create EC-HSM P-384" -- "$CV" key create "${K[@]}" --name ec384 --kty EC-HSM --curve P-384
expect_exit 0 "create oct 256" -- "$CV" key create "${K[@]}" --name aes --kty oct --size 256
expect_eq "$(jq -r '.key | has("k")' "$WORK/out")" "false" "oct shows no k"
expect_exit 2 "RSA 1024 refused" -- "$CV" key create "${K[@]}" --name bad --kty RSA --size 1024
expect_contains "$WORK/err" "2048, 3072, 4096" "message names allowed sizes"
expect_exit 2 "unknown curve refused" -- "$CV" key create "${K[@]}" --name bad --kty EC --curve P-192
expect_contains "$WORK/err" "P-256, P-384, P-521" "message names allowed curves"
expect_exit 2 "ops the type lacks refused" -- "$CV" key create "${K[@]}" --name bad --kty EC --ops sign encrypt
expect_exit 0 "show" -- "$CV" key show "${K[@]}" --name RSA
expect_eq "$(jq -r .key.kid "$WORK/out")" "https://main.vault.localhost/keys/rsa/$RSA_V1" "versioned kid"
expect_exit 3 "show unknown" -- "$CV" key show "${K[@]}" --name nope
expect_contains "$WORK/err" "KeyNotFound" "KeyNotFound code"
expect_exit 0 "list" -- "$CV" key list "${K[@]}"
expect_eq "$(jq -r '[.[].name] | join(",")' "$WORK/out")" "aes,ec,ec384,rsa,rsa3k" "only good keys exist"
expect_eq "$(jq -r '.[0].kid' "$WORK/out")" "https://main.vault.localhost/keys/aes" "list kids are unversioned"

# --- download + openssl interop -----------------------------------------------------------------
expect_exit 0 "download PEM" -- "$CV" key download "${K[@]}" --name rsa --file "$WORK/rsa.pem"
expect_exit 0 "openssl parses it" -- openssl pkey -pubin -in "$WORK/rsa.pem" -noout
expect_exit 0 "download DER" -- "$CV" key download "${K[@]}" --name rsa --file "$WORK/rsa.der" --encoding DER
openssl pkey -pubin -in "$WORK/rsa.pem" -outform DER -out "$WORK/rsa2.der"
expect_eq "$(cmp -s "$WORK/rsa.der" "$WORK/rsa2.der" && echo same)" "same" "DER equals PEM body"
expect_exit 4 "download refuses to overwrite" -- "$CV" key download "${K[@]}" --name rsa --file "$WORK/rsa.pem"
expect_exit 2 "oct has no public key" -- "$CV" key download "${K[@]}" --name aes --file "$WORK/aes.pem"

printf 'the message' >"$WORK/msg"
openssl dgst -sha256 -binary "$WORK/msg" >"$WORK/d256"
D256=$(b64u <"$WORK/d256")
expect_exit 0 "sign RS256" -- "$CV" key sign "${K[@]}" --name rsa --algorithm RS256 --value "$D256"
unb64u "$(jq -r .value "$WORK/out")" >"$WORK/rs.sig"
expect_exit 0 "openssl verifies RS256" -- openssl pkeyutl -verify -pubin -inkey "$WORK/rsa.pem" -pkeyopt digest:sha256 -in "$WORK/d256" -sigfile "$WORK/rs.sig"
expect_exit 0 "sign PS256" -- "$CV" key sign "${K[@]}" --name rsa --algorithm PS256 --digest "$D256"
unb64u "$(jq -r .value "$WORK/out")" >"$WORK/ps.sig"
PSS=(-pubin -inkey "$WORK/rsa.pem" -pkeyopt digest:sha256 -pkeyopt rsa_padding_mode:pss -in "$WORK/d256" -sigfile "$WORK/ps.sig")
expect_exit 0 "openssl verifies PS256 with salt length 32" -- openssl pkeyutl -verify "${PSS[@]}" -pkeyopt rsa_pss_saltlen:32
expect_exit 0 "openssl verifies PS256 with auto salt length" -- openssl pkeyutl -verify "${PSS[@]}" -pkeyopt rsa_pss_saltlen:auto
expect_exit 1 "and not with salt length 20" -- openssl pkeyutl -verify "${PSS[@]}" -pkeyopt rsa_pss_saltlen:20
expect_exit 0 "verify PS256 here" -- "$CV" key verify "${K[@]}" --name rsa --algorithm PS256 --digest "$D256" --signature "$(b64u <"$WORK/ps.sig")"
expect_eq "$(jq -r .value "$WORK/out")" "true" "verifies true"
expect_exit 0 "verify a wrong signature" -- "$CV" key verify "${K[@]}" --name rsa --algorithm PS256 --digest "$D256" --signature "$(b64u <"$WORK/rs.sig")"
expect_eq "$(jq -r .value "$WORK/out")" "false" "a wrong signature is false, not an error"

expect_exit 0 "download EC PEM" -- "$CV" key download "${K[@]}" --name ec --file "$WORK/ec.pem"
expect_exit 0 "sign ES256" -- "$CV" key sign "${K[@]}" --name ec --algorithm ES256 --value "$D256"
unb64u "$(jq -r .value "$WORK/out")" >"$WORK/es.raw"
expect_eq "$(stat -c %s "$WORK/es.raw")" "64" "ES256 signature is r||s, 64 bytes"
HEX=$(od -An -v -tx1 "$WORK/es.raw" | tr -d ' \n')
printf 'asn1=SEQUENCE:sig\n[sig]\nr=INTEGER:0x%s\ns=INTEGER:0x%s\n' "${HEX:0:64}" "${HEX:64:64}" >"$WORK/sig.cnf"
openssl asn1parse -genconf "$WORK/sig.cnf" -out "$WORK/es.der" -noout
expect_exit 0 "openssl verifies ES256 converted to DER" -- openssl pkeyutl -verify -pubin -inkey "$WORK/ec.pem" -in "$WORK/d256" -sigfile "$WORK/es.der"
expect_exit 2 "ES384 on a P-256 key refused" -- "$CV" key sign "${K[@]}" --name ec --algorithm ES384 --value "$(openssl dgst -sha384 -binary "$WORK/msg" | b64u)"
expect_exit 2 "digest of the wrong length refused" -- "$CV" key sign "${K[@]}" --name ec --algorithm ES256 --value "$(openssl dgst -sha1 -binary "$WORK/msg" | b64u)"

printf 'sealed by openssl' >"$WORK/pt"
PT=$(b64u <"$WORK/pt")
for md in sha1 sha256; do
  alg=RSA-OAEP; [[ $md == sha256 ]] && alg=RSA-OAEP-256
  openssl pkeyutl -encrypt -pubin -inkey "$WORK/rsa.pem" -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:$md \
    -pkeyopt rsa_mgf1_md:$md -in "$WORK/pt" -out "$WORK/ct.$md"
  expect_exit 0 "decrypt openssl's OAEP $md ($alg)" -- "$CV" key decrypt "${K[@]}" --name rsa --algorithm $alg --value "$(b64u <"$WORK/ct.$md")"
  expect_eq "$(jq -r .value "$WORK/out")" "$PT" "plaintext of OAEP $md"
done
expect_exit 0 "encrypt RSA1_5" -- "$CV" key encrypt "${K[@]}" --name rsa3k --algorithm RSA1_5 --value "$PT"
CT=$(jq -r .value "$WORK/out")
expect_exit 0 "decrypt RSA1_5" -- "$CV" key decrypt "${K[@]}" --name rsa3k --algorithm RSA1_5 --value "$CT"
expect_eq "$(jq -r .value "$WORK/out")" "$PT" "RSA1_5 round trip"
expect_exit 2 "ciphertext of the wrong length" -- "$CV" key decrypt "${K[@]}" --name rsa --algorithm RSA-OAEP --value "$CT"
expect_exit 2 "ciphertext not base64url" -- "$CV" key decrypt "${K[@]}" --name rsa --algorithm RSA-OAEP --value 'a+b/c'
expect_contains "$WORK/err" "base64url" "message says base64url"
expect_exit 2 "unknown algorithm" -- "$CV" key encrypt "${K[@]}" --name rsa --algorithm RSA-OAEP-512 --value "$PT"
expect_contains "$WORK/err" "RSA-OAEP, RSA-OAEP-256, RSA1_5" "message names allowed algorithms"
CEK=$(head -c 32 /dev/urandom | b64u)
expect_exit 0 "wrap RSA-OAEP-256" -- "$CV" key wrap "${K[@]}" --name rsa --algorithm RSA-OAEP-256 --value "$CEK"
expect_exit 0 "unwrap RSA-OAEP-256" -- "$CV" key unwrap "${K[@]}" --name rsa --algorithm RSA-OAEP-256 --value "$(jq -r .value "$WORK/out")"
expect_eq "$(jq -r .value "$WORK/out")" "$CEK" "RSA unwrap returns the key"

# --- oct ----------------------------------------------------------------------------------------
expect_exit 0 "A256GCM encrypt" -- "$CV" key encrypt "${K[@]}" --name aes --algorithm A256GCM --value "$PT" --aad "$(printf hdr | b64u)"
IV=$(jq -r .iv "$WORK/out"); TAG=$(jq -r .tag "$WORK/out"); GCT=$(jq -r .value "$WORK/out")
expect_eq "${#IV}" "16" "12-byte IV returned"
expect_exit 0 "A256GCM decrypt" -- "$CV" key decrypt "${K[@]}" --name aes --algorithm A256GCM --value "$GCT" --iv "$IV" --tag "$TAG" --aad "$(printf hdr | b64u)"
expect_eq "$(jq -r .value "$WORK/out")" "$PT" "GCM round trip"
expect_exit 2 "A256GCM with wrong aad" -- "$CV" key decrypt "${K[@]}" --name aes --algorithm A256GCM --value "$GCT" --iv "$IV" --tag "$TAG"
expect_exit 0 "A256GCM encrypt again" -- "$CV" key encrypt "${K[@]}" --name aes --algorithm A256GCM --value "$PT"
expect_ne "$(jq -r .iv "$WORK/out")" "$IV" "the token draws a fresh IV each time"
expect_exit 2 "A256GCM encrypt with a caller IV refused" -- "$CV" key encrypt "${K[@]}" --name aes --algorithm A256GCM --value "$PT" --iv "$IV"
expect_contains "$WORK/err" "iv must not be supplied for AES-GCM encryption" "message says the HSM generates it"
expect_eq "$(cat "$WORK/out")" "" "nothing printed on refusal"
expect_exit 0 "A256KW wrap" -- "$CV" key wrap "${K[@]}" --name aes --algorithm A256KW --value "$CEK"
expect_exit 0 "A256KW unwrap" -- "$CV" key unwrap "${K[@]}" --name aes --algorithm A256KW --value "$(jq -r .value "$WORK/out")"
expect_eq "$(jq -r .value "$WORK/out")" "$CEK" "KW round trip"
expect_exit 2 "A128KW on a 256-bit key" -- "$CV" key wrap "${K[@]}" --name aes --algorithm A128KW --value "$CEK"
CBCIV=$(printf '0123456789abcdef' | b64u)
expect_exit 0 "A256CBCPAD encrypt with a caller IV" -- "$CV" key encrypt "${K[@]}" --name aes --algorithm A256CBCPAD --value "$PT" --iv "$CBCIV"
expect_eq "$(jq -r .iv "$WORK/out")" "$CBCIV" "the caller's CBC IV is kept"
expect_exit 0 "A256CBCPAD decrypt" -- "$CV" key decrypt "${K[@]}" --name aes --algorithm A256CBCPAD --value "$(jq -r .value "$WORK/out")" --iv "$CBCIV"
expect_eq "$(jq -r .value "$WORK/out")" "$PT" "CBCPAD round trip"
expect_exit 2 "A256CBC needs whole blocks" -- "$CV" key encrypt "${K[@]}" --name aes --algorithm A256CBC --value "$(printf 'odd' | b64u)" --iv "$CBCIV"
expect_contains "$WORK/err" "Use A256CBCPAD" "the message names the padded mode"
expect_exit 0 "HS256 sign" -- "$CV" key sign "${K[@]}" --name aes --algorithm HS256 --value "$D256"
MAC=$(jq -r .value "$WORK/out")
expect_exit 0 "HS256 verify" -- "$CV" key verify "${K[@]}" --name aes --algorithm HS256 --digest "$D256" --signature "$MAC"
expect_eq "$(jq -r .value "$WORK/out")" "true" "the MAC verifies in the token"
expect_exit 2 "RS256 on an oct key" -- "$CV" key sign "${K[@]}" --name aes --algorithm RS256 --value "$D256"
expect_contains "$WORK/err" "Allowed: HS256, HS384, HS512" "the message names the HMAC algorithms"
expect_exit 0 "create P-256K" -- "$CV" key create "${K[@]}" --name k1 --kty EC --curve P-256K
expect_eq "$(jq -r .key.crv "$WORK/out")" "P-256K" "crv P-256K"
expect_exit 0 "ES256K sign" -- "$CV" key sign "${K[@]}" --name k1 --algorithm ES256K --value "$D256"
expect_exit 0 "ES256K verify" -- "$CV" key verify "${K[@]}" --name k1 --algorithm ES256K --digest "$D256" --signature "$(jq -r .value "$WORK/out")"
expect_eq "$(jq -r .value "$WORK/out")" "true" "ES256K verifies"

# --- enforcement, attributes, rotate ------------------------------------------------------------
expect_exit 0 "oct key limited to encrypt" -- "$CV" key set-attributes "${K[@]}" --name aes --ops encrypt decrypt
expect_exit 5 "sign on an oct key without sign in key_ops" -- "$CV" key sign "${K[@]}" --name aes --algorithm HS256 --value "$D256"
expect_contains "$WORK/err" "Operation sign is not permitted on this key." "Key Vault's message"
expect_exit 0 "set-attributes --ops" -- "$CV" key set-attributes "${K[@]}" --name rsa --ops verify encrypt
expect_exit 5 "sign now forbidden" -- "$CV" key sign "${K[@]}" --name rsa --algorithm RS256 --value "$D256"
expect_exit 0 "disable" -- "$CV" key set-attributes "${K[@]}" --name ec --enabled false
expect_exit 7 "disabled key refuses sign" -- "$CV" key sign "${K[@]}" --name ec --algorithm ES256 --value "$D256"
expect_exit 0 "not yet valid key" -- "$CV" key create "${K[@]}" --name later --kty EC --not-before 2099-01-01
expect_exit 5 "nbf enforced" -- "$CV" key sign "${K[@]}" --name later --algorithm ES256 --value "$D256"
"$CV" key show "${K[@]}" --name rsa3k >"$WORK/before"
OLD=$(jq -r '.key.kid | split("/") | last' "$WORK/before")
expect_exit 0 "rotate" -- "$CV" key rotate "${K[@]}" --name rsa3k
expect_eq "$(jq -r .key.kty "$WORK/out")" "RSA" "rotate keeps the type"
expect_exit 0 "old version still decrypts" -- "$CV" key decrypt "${K[@]}" --name rsa3k --version "$OLD" --algorithm RSA1_5 --value "$CT"
expect_eq "$(jq -r .value "$WORK/out")" "$PT" "rotation keeps old versions working"
expect_exit 0 "list-versions" -- "$CV" key list-versions "${K[@]}" --name rsa3k
expect_eq "$(jq length "$WORK/out")" "2" "two versions after rotate"

# --- import -------------------------------------------------------------------------------------
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$WORK/imp.pem" 2>/dev/null
expect_exit 0 "import PEM" -- "$CV" key import "${K[@]}" --name imported --pem-file "$WORK/imp.pem"
expect_eq "$(jq -r .key.crv "$WORK/out")" "P-256" "imported curve"
expect_exit 0 "sign with the imported key" -- "$CV" key sign "${K[@]}" --name imported --algorithm ES256 --value "$D256"
unb64u "$(jq -r .value "$WORK/out")" >"$WORK/imp.raw"
HEX=$(od -An -v -tx1 "$WORK/imp.raw" | tr -d ' \n')
printf 'asn1=SEQUENCE:sig\n[sig]\nr=INTEGER:0x%s\ns=INTEGER:0x%s\n' "${HEX:0:64}" "${HEX:64:64}" >"$WORK/sig.cnf"
openssl asn1parse -genconf "$WORK/sig.cnf" -out "$WORK/imp.der" -noout
expect_exit 0 "openssl verifies with its own private key" -- openssl pkeyutl -verify -inkey "$WORK/imp.pem" -in "$WORK/d256" -sigfile "$WORK/imp.der"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -aes-256-cbc -pass pass:pw123 -out "$WORK/enc.pem" 2>/dev/null
expect_exit 2 "encrypted PEM without its password" -- "$CV" key import "${K[@]}" --name enc --pem-file "$WORK/enc.pem"
# The password never on argv: --pem-password is refused (without echoing it); a file or the environment.
expect_exit 2 "--pem-password on argv is refused" -- "$CV" key import "${K[@]}" --name enc --pem-file "$WORK/enc.pem" --pem-password pw123
if grep -q pw123 "$WORK/err"; then bad "password echoed: $(cat "$WORK/err")"; else ok "password not echoed"; fi
expect_contains "$WORK/err" "--pem-password-file" "refusal names the file option"
expect_contains "$WORK/err" "COLDVAULT_PEM_PASSWORD" "refusal names the variable"
expect_exit 3 "nothing imported after the refusal" -- "$CV" key show "${K[@]}" --name enc
printf 'wrong\n' >"$WORK/wrong.pw"
expect_exit 2 "wrong --pem-password-file" -- "$CV" key import "${K[@]}" --name enc --pem-file "$WORK/enc.pem" --pem-password-file "$WORK/wrong.pw"
printf 'pw123\n' >"$WORK/enc.pw"
expect_exit 0 "encrypted PEM with --pem-password-file" -- "$CV" key import "${K[@]}" --name enc --pem-file "$WORK/enc.pem" --pem-password-file "$WORK/enc.pw" --kty RSA-HSM
expect_eq "$(jq -r .key.kty "$WORK/out")" "RSA-HSM" "import records the given kty"
expect_exit 0 "encrypted PEM with \$COLDVAULT_PEM_PASSWORD" -- env COLDVAULT_PEM_PASSWORD=pw123 "$CV" key import "${K[@]}" --name enc-env --pem-file "$WORK/enc.pem"
expect_eq "$(jq -r .key.n "$WORK/out")" "$(jq -r .key.n <("$CV" key show "${K[@]}" --name enc))" "same key from the file and the variable"
printf '{"kty":"oct","k":"%s"}' "$CEK" >"$WORK/oct.jwk"
expect_exit 0 "import oct JWK" -- "$CV" key import "${K[@]}" --name octjwk --jwk-file "$WORK/oct.jwk"
expect_exit 0 "imported oct key wraps" -- "$CV" key wrap "${K[@]}" --name octjwk --algorithm A256KW --value "$CEK"

# --- soft delete --------------------------------------------------------------------------------
expect_exit 0 "delete" -- "$CV" key delete "${K[@]}" --name imported
expect_eq "$(jq -r .recoveryId "$WORK/out")" "https://main.vault.localhost/deletedkeys/imported" "recoveryId"
expect_exit 3 "deleted key is NotFound" -- "$CV" key sign "${K[@]}" --name imported --algorithm ES256 --value "$D256"
expect_exit 4 "create on a deleted name is Conflict" -- "$CV" key create "${K[@]}" --name imported --kty EC
expect_contains "$WORK/err" "deleted but recoverable" "Conflict message"
expect_exit 4 "import on a deleted name is Conflict" -- "$CV" key import "${K[@]}" --name imported --pem-file "$WORK/imp.pem"
expect_exit 0 "list-deleted" -- "$CV" key list-deleted "${K[@]}"
expect_eq "$(jq length "$WORK/out")" "1" "one deleted"
expect_exit 0 "show-deleted" -- "$CV" key show-deleted "${K[@]}" --name imported
expect_exit 0 "recover" -- "$CV" key recover "${K[@]}" --name imported
expect_exit 0 "recovered key signs" -- "$CV" key sign "${K[@]}" --name imported --algorithm ES256 --value "$D256"
expect_exit 0 "delete again" -- "$CV" key delete "${K[@]}" --name imported
expect_exit 0 "purge" -- "$CV" key purge "${K[@]}" --name imported
expect_exit 3 "purged is gone" -- "$CV" key show-deleted "${K[@]}" --name imported
expect_contains "$WORK/err" "Deleted Key not found: imported" "deleted-key message"


# --- az's flags and value formats (docs/cli.md) --------------------------------------------------
expect_exit 0 "create without --kty is RSA, as az" -- "$CV" key create "${K[@]}" --name az-default
expect_eq "$(jq -r .key.kty "$WORK/out")" "RSA" "az's default kty"
expect_exit 0 "--curve without --kty is EC" -- "$CV" key create "${K[@]}" --name az-ec --curve P-384
expect_eq "$(jq -r .key.kty "$WORK/out"),$(jq -r .key.crv "$WORK/out")" "EC,P-384" "EC from --curve"
expect_exit 0 "--protection hsm" -- "$CV" key create "${K[@]}" --name az-hsm -p hsm --kty EC
expect_eq "$(jq -r .key.kty "$WORK/out")" "EC-HSM" "hsm protection reports -HSM"
expect_exit 2 "--protection software with an -HSM type" -- "$CV" key create "${K[@]}" --name az-bad --kty RSA-HSM --protection software
expect_contains "$WORK/err" "Omit --protection" "az's message"
expect_exit 2 "--protection other" -- "$CV" key create "${K[@]}" --name az-bad --protection cloud
expect_exit 0 "--exportable true --disabled false" -- "$CV" key create "${K[@]}" --name az-exp --exportable true --disabled false --tags solo
expect_eq "$(jq -r .attributes.enabled "$WORK/out")" "true" "--disabled false leaves it enabled"
expect_eq "$(jq -c .tags "$WORK/out")" '{"solo":""}' "a tag without ="
KEKID="https://main.vault.localhost/keys/rsa/$RSA_V1"
expect_exit 0 "--exportable true lets export-byok wrap it" -- "$CV" key export-byok "${K[@]}" --name az-exp --kek "$WORK/rsa.pem" --kek-kid "$KEKID" --file "$WORK/az-exp.byok"
expect_exit 0 "--exportable false" -- "$CV" key create "${K[@]}" --name az-noexp --exportable false
expect_exit 5 "export-byok of it is Forbidden" -- "$CV" key export-byok "${K[@]}" --name az-noexp --kek "$WORK/rsa.pem" --kek-kid "$KEKID" --file "$WORK/az-noexp.byok"
expect_contains "$WORK/err" "was not created exportable" "the refusal says why"
expect_exit 2 "--exportable perhaps" -- "$CV" key create "${K[@]}" --name az-bad --exportable perhaps
expect_exit 14 "a release policy is refused, not dropped" -- "$CV" key create "${K[@]}" --name az-bad --policy '{"version":"1.0.0"}'
expect_contains "$WORK/err" "attestation" "refusal says why"
expect_exit 3 "no key made by the refusals" -- "$CV" key show "${K[@]}" --name az-bad
expect_exit 0 "az's date form" -- "$CV" key set-attributes "${K[@]}" --name az-default --expires 2099-01-01T10:30Z --tags ""
expect_eq "$(jq -r .attributes.exp "$WORK/out")" "4070946600" "2099-01-01T10:30Z"
expect_exit 2 "not a date" -- "$CV" key set-attributes "${K[@]}" --name az-default --not-before yesterday
expect_exit 0 "set-attributes --tags clears" -- "$CV" key set-attributes "${K[@]}" --name az-exp --tags
expect_eq "$(jq -c .tags "$WORK/out")" '{}' "bare --tags clears"
expect_exit 2 "--enabled maybe" -- "$CV" key set-attributes "${K[@]}" --name az-exp --enabled maybe

# encrypt/decrypt/sign/verify take az's standard base64 (padded) and --data-type plaintext.
std() { tr '_-' '/+' | awk '{ s=$0; while (length(s) % 4) s=s "="; print s }'; }  # base64url -> base64
expect_exit 0 "encrypt --data-type plaintext" -- "$CV" key encrypt "${K[@]}" --name az-default --algorithm RSA-OAEP-256 --value 'plain words' --data-type plaintext
CT2=$(jq -r .value "$WORK/out" | std)
expect_exit 0 "decrypt standard base64, print text" -- "$CV" key decrypt "${K[@]}" --name az-default --algorithm RSA-OAEP-256 --value "$CT2" --data-type plaintext
expect_eq "$(jq -r .value "$WORK/out")" "plain words" "plaintext back as text"
expect_exit 0 "encrypt standard base64 with + and /" -- "$CV" key encrypt "${K[@]}" --name az-default --algorithm RSA-OAEP --value "+/+/" --data-type base64
expect_exit 0 "decrypt it" -- "$CV" key decrypt "${K[@]}" --name az-default --algorithm RSA-OAEP --value "$(jq -r .value "$WORK/out")"
expect_eq "$(jq -r .value "$WORK/out")" "-_-_" "the same three bytes (0xfb 0xff 0xbf)"
D256STD=$(base64 -w0 "$WORK/d256")
expect_eq "${D256STD: -1}" "=" "the digest's base64 is padded"
expect_exit 0 "sign with az's --digest in base64" -- "$CV" key sign "${K[@]}" --name az-default --algorithm RS256 --digest "$D256STD"
SIGSTD=$(jq -r .value "$WORK/out" | std)
expect_exit 0 "verify in base64" -- "$CV" key verify "${K[@]}" --name az-default --algorithm RS256 --digest "$D256STD" --signature "$SIGSTD"
expect_eq "$(jq -r .value "$WORK/out")" "true" "standard base64 signature verifies"
expect_exit 2 "mixed alphabets refused" -- "$CV" key sign "${K[@]}" --name az-default --algorithm RS256 --digest "ab+_${D256STD:4}"
expect_exit 2 "--data-type other" -- "$CV" key encrypt "${K[@]}" --name az-default --algorithm RSA-OAEP --value x --data-type hex

# import: --pem-string (warned), --protection hsm, one source only.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$WORK/az.pem" 2>/dev/null
expect_exit 0 "import --pem-string --protection hsm" -- "$CV" key import "${K[@]}" --name az-imp --pem-string "$(cat "$WORK/az.pem")" --protection hsm
expect_contains "$WORK/err" "process list" "--pem-string warns about argv"
expect_eq "$(jq -r .key.kty "$WORK/out")" "EC-HSM" "imported as EC-HSM"
expect_exit 2 "two sources" -- "$CV" key import "${K[@]}" --name az-imp2 --pem-string "$(cat "$WORK/az.pem")" --pem-file "$WORK/az.pem"
expect_contains "$WORK/err" "exactly one" "message lists the sources"
expect_exit 2 "--curve with a PEM" -- "$CV" key import "${K[@]}" --name az-imp2 --pem-file "$WORK/az.pem" --curve P-256

finish
