#!/usr/bin/env bash
# hsm/provision-token: SoftHSM tokens for custodians and member hosts, PINs never on a command line, and a
# token coldvault can be initialised onto.
source "$(dirname "$0")/lib.bash"
PROVISION="$(cd "$(dirname "$0")/../.." && pwd)/hsm/provision-token"

# A softhsm2-util that records its arguments, then runs the real one: the PINs must not be among them.
mkdir -p "$WORK/bin"
real=$(command -v softhsm2-util)
printf '#!/bin/sh\nprintf "%%s\\n" "$*" >>"%s"\nexec "%s" "$@"\n' "$WORK/argv" "$real" >"$WORK/bin/softhsm2-util"
chmod +x "$WORK/bin/softhsm2-util"
export PATH="$WORK/bin:$PATH"
printf 'so-secret-42\n' >"$WORK/so.pin"
printf 'user-secret-42\n' >"$WORK/user.pin"

expect_exit 0 "custodian token from PIN files" -- \
  "$PROVISION" --so-pin-file "$WORK/so.pin" --pin-file "$WORK/user.pin" "$WORK/tok" custodian-1
expect_exit 0 "member token from the environment, same folder" -- \
  env COLDVAULT_SO_PIN=so-env-42 COLDVAULT_PIN=user-env-42 "$PROVISION" "$WORK/tok" member-1
if grep -q -e secret-42 -e env-42 "$WORK/argv"; then bad "a PIN was on softhsm2-util's command line"; else ok "no PIN on any command line"; fi
expect_eq "$(stat -c %a "$WORK/tok")" "700" "token folder is 0700"
export SOFTHSM2_CONF="$WORK/tok/softhsm2.conf"
expect_contains "$SOFTHSM2_CONF" "directories.tokendir = $WORK/tok/tokens" "softhsm2.conf points at the folder"
labels=$(softhsm2-util --show-slots | sed -n 's/^ *Label: *\([^ ].*[^ ]\) *$/\1/p' | sort | tr '\n' ' ')
expect_eq "$labels" "custodian-1 member-1 " "both tokens are there"

expect_exit 1 "the same label again is refused" -- \
  "$PROVISION" --so-pin-file "$WORK/so.pin" --pin-file "$WORK/user.pin" "$WORK/tok" custodian-1
expect_contains "$WORK/err" "custodian-1" "the refusal names the label"
expect_exit 2 "no PIN anywhere is refused" -- env -u COLDVAULT_SO_PIN "$PROVISION" "$WORK/none" x
expect_contains "$WORK/err" "so-pin-file" "and says where a PIN comes from"
if [[ -e "$WORK/none" ]]; then bad "a folder was made without PINs"; else ok "nothing made without PINs"; fi

# The user PIN works: coldvault init onto the member token, then a secret round trip.
expect_exit 0 "coldvault init onto the provisioned token" -- "$CV" --home "$WORK/h" --pin-file "$WORK/user.pin" \
  init --module /usr/lib/softhsm/libsofthsm2.so --token custodian-1
expect_exit 11 "the other token's PIN does not open it" -- "$CV" --home "$WORK/h2" --pin-file "$WORK/user.pin" \
  init --module /usr/lib/softhsm/libsofthsm2.so --token member-1
finish
