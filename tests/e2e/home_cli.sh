#!/usr/bin/env bash
# init / vault / domain verbs, PIN sources and token errors through the real binary.
source "$(dirname "$0")/lib.bash"

expect_exit 3 "no home yet" -- "$CV" vault list
expect_contains "$WORK/err" "coldvault init" "hint to run init"
expect_exit 2 "bad vault name" -- "$CV" init --vault-name x
expect_exit 0 "init" -- "$CV" init --vault-name first
KID=$(jq -r .domainKid "$WORK/out")
SO_PIN=$(jq -r .soPin "$WORK/out")
expect_eq "$(jq -r .soPinStored "$WORK/out")" "false" "SO PIN not stored by default"
expect_eq "${#SO_PIN}" "32" "generated SO PIN shown in the report"
expect_contains "$WORK/err" "shown once" "SO PIN shown-once note"
expect_eq "$(jq -r .unwrapTemplate "$WORK/out")" "enforced" "master key unwrap template enforced"
if [[ -e "$COLDVAULT_HOME/so.pin" ]]; then bad "SO PIN file in the home"; else ok "no SO PIN file in the home"; fi
if grep -rqF -- "$SO_PIN" "$COLDVAULT_HOME"; then bad "SO PIN found in a home file"; else ok "SO PIN in no file of the home"; fi
EMBEDDED_MODULE=$(jq -r .module "$COLDVAULT_HOME/config.json")
# Proof that a PIN is the SO's: it can set the user PIN (here to the value it already has).
so_login() { # HOME_DIR SO_PIN
  env SOFTHSM2_CONF="$1/softhsm2.conf" pkcs11-tool --module "$EMBEDDED_MODULE" --token-label coldvault \
    --init-pin --login --login-type so --so-pin "$2" --new-pin "$(cat "$1/user.pin")"
}
expect_exit 0 "the reported SO PIN is the token's SO PIN" -- so_login "$COLDVAULT_HOME" "$SO_PIN"
expect_exit 0 "init --dev" -- "$CV" --home "$WORK/dev" init --dev
expect_eq "$(jq -r .soPinStored "$WORK/out")" "true" "--dev reports the SO PIN stored"
expect_eq "$(jq -r 'has("soPin")' "$WORK/out")" "false" "--dev does not print the SO PIN"
expect_eq "$(stat -c %a "$WORK/dev/so.pin" 2>/dev/null)" "600" "--dev stores the SO PIN 0600"
printf 'chosen-so-pin-42\n' >"$WORK/so.pin"
expect_exit 0 "init --so-pin-file" -- "$CV" --home "$WORK/sofile" init --so-pin-file "$WORK/so.pin"
expect_eq "$(jq -r '[has("soPin"), .soPinStored] | map(tostring) | join(",")' "$WORK/out")" "false,false" "--so-pin-file: not printed, not stored"
if [[ -e "$WORK/sofile/so.pin" ]]; then bad "--so-pin-file copied into the home"; else ok "--so-pin-file not copied"; fi
expect_exit 0 "the SO PIN from the file is the token's SO PIN" -- so_login "$WORK/sofile" chosen-so-pin-42
expect_exit 1 "a wrong SO PIN is refused (the check above can fail)" -- so_login "$WORK/sofile" wrong-so-pin-1
expect_exit 2 "--dev with --so-pin-file" -- "$CV" --home "$WORK/both" init --dev --so-pin-file "$WORK/so.pin"
if [[ -e "$WORK/both" ]]; then bad "refused init made the home"; else ok "refused init made nothing"; fi
expect_exit 0 "domain show" -- "$CV" domain show
expect_eq "$(jq -r .kid "$WORK/out")" "$KID" "domain kid"
expect_contains "$WORK/out" "BEGIN PUBLIC KEY" "domain public key"
expect_exit 0 "domain public key parses with openssl" -- bash -c "'$CV' domain show -o pem | openssl pkey -pubin -noout -text"
expect_contains "$WORK/out" "3072 bit" "RSA-3072 domain key"
expect_exit 0 "vault show prints PEM" -- "$CV" vault show --vault-name first
expect_contains "$WORK/out" "BEGIN CERTIFICATE" "signer certificate"
cp "$WORK/out" "$WORK/cert.pem"
expect_exit 0 "signer certificate verifies (self-signed)" -- openssl verify -CAfile "$WORK/cert.pem" "$WORK/cert.pem"
expect_exit 0 "vault create" -- "$CV" vault create --vault-name second
expect_exit 4 "vault create twice" -- "$CV" vault create --vault-name SECOND
expect_exit 2 "retention out of range" -- "$CV" vault create --vault-name third --retention-days 5
expect_exit 0 "vault list" -- "$CV" vault list
expect_eq "$(jq -r '[.[].name] | join(",")' "$WORK/out")" "first,second" "both vaults listed"
expect_eq "$(jq -r '.[1].domainKid' "$WORK/out")" "$KID" "same domain"

# PINs: a wrong one fails once with a login error and never echoes the PIN.
printf 'wrong-pin-123\n' >"$WORK/wrong.pin"
expect_exit 11 "wrong PIN file" -- "$CV" --pin-file "$WORK/wrong.pin" vault list
if grep -q wrong-pin-123 "$WORK/err"; then bad "PIN echoed in error"; else ok "PIN not echoed"; fi
expect_exit 11 "wrong PIN env" -- env COLDVAULT_PIN=wrong-pin-123 "$CV" vault list
expect_exit 0 "right PIN from env" -- env COLDVAULT_PIN="$(cat "$COLDVAULT_HOME/user.pin")" "$CV" vault list
expect_exit 0 "right PIN still works after wrong ones (no lockout loop)" -- "$CV" vault list

# Provisioning onto an existing token with --module/--token.
export SOFTHSM2_CONF="$WORK/ext.conf"
mkdir -p "$WORK/ext-tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$WORK/ext-tokens" >"$SOFTHSM2_CONF"
softhsm2-util --init-token --free --label ext --pin 1234-ext --so-pin 5678-ext >/dev/null
printf '1234-ext\n' >"$WORK/ext.pin"
expect_exit 10 "missing module named" -- "$CV" --home "$WORK/h2" --pin-file "$WORK/ext.pin" init --module /nonexistent/lib.so --token ext
expect_contains "$WORK/err" "/nonexistent/lib.so" "error names the module"
expect_exit 3 "missing token named" -- "$CV" --home "$WORK/h3" --pin-file "$WORK/ext.pin" init --module /usr/lib/softhsm/libsofthsm2.so --token nosuch
expect_contains "$WORK/err" "nosuch" "error names the token"
expect_exit 0 "init onto an existing token by URI" -- "$CV" --home "$WORK/h4" --pin-file "$WORK/ext.pin" init --module /usr/lib/softhsm/libsofthsm2.so --token "pkcs11:token=ext"
if [[ -e "$WORK/h4/user.pin" ]]; then bad "PIN of a real token stored"; else ok "PIN of an existing token is not stored"; fi
expect_exit 0 "secret on the external token" -- "$CV" --home "$WORK/h4" --pin-file "$WORK/ext.pin" secret set --vault-name default --name s --value x
expect_exit 0 "read back" -- env COLDVAULT_PIN=1234-ext "$CV" --home "$WORK/h4" secret show --vault-name default --name s
expect_eq "$(jq -r .value "$WORK/out")" "x" "value from external token"
expect_exit 2 "--so-pin-file refused for an existing token" -- "$CV" --home "$WORK/h5" --pin-file "$WORK/ext.pin" init --module /usr/lib/softhsm/libsofthsm2.so --token ext --so-pin-file "$WORK/so.pin"
expect_exit 2 "no PIN and no terminal" -- setsid -w bash -c "'$CV' --home '$WORK/h4' vault list </dev/null"

# A PIN inside a PKCS#11 URI is refused before anything is made, and neither the PIN nor the URI is echoed.
for uri in "pkcs11:token=ext;pin-value=1234-ext" "pkcs11:token=ext?pin-value=1234-ext" "PKCS11:token=ext?pin-source=/tmp/1234-ext"; do
  expect_exit 2 "init refuses a PIN in the URI: $uri" -- "$CV" --home "$WORK/h5" --pin-file "$WORK/ext.pin" init --module /usr/lib/softhsm/libsofthsm2.so --token "$uri"
  if grep -q -e 1234-ext -e "token=ext" "$WORK/err"; then bad "PIN or URI echoed: $(cat "$WORK/err")"; else ok "neither PIN nor URI in the error"; fi
  expect_contains "$WORK/err" "--pin-file" "error says where PINs come from"
  if [[ -e "$WORK/h5" ]]; then bad "init with a PIN in the URI created $WORK/h5"; else ok "nothing created"; fi
done
# No configuration ever holds a PIN.
for cfg in "$COLDVAULT_HOME/config.json" "$WORK/h4/config.json"; do
  if grep -qi pin "$cfg"; then bad "$cfg mentions a PIN: $(cat "$cfg")"; else ok "no PIN in $(basename "$(dirname "$cfg")")/config.json"; fi
done
# A hand-edited config.json with a PIN in its URI is refused before any prompt could show it.
cp "$WORK/h4/config.json" "$WORK/h4.config.json"
jq '.token = "pkcs11:token=ext;pin-value=1234-ext"' "$WORK/h4.config.json" >"$WORK/h4/config.json"
expect_exit 2 "config.json with a PIN in its URI is refused" -- "$CV" --home "$WORK/h4" --pin-file "$WORK/ext.pin" vault list
if grep -q 1234-ext "$WORK/err"; then bad "PIN from config.json echoed"; else ok "PIN from config.json not echoed"; fi
cp "$WORK/h4.config.json" "$WORK/h4/config.json"
expect_exit 0 "restored config.json works again" -- "$CV" --home "$WORK/h4" --pin-file "$WORK/ext.pin" vault list
unset SOFTHSM2_CONF

finish
