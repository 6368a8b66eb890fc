#!/usr/bin/env bash
# Kills during `coldvault init` (issue 19, docs/reliability.md): a home whose init was killed part way is never
# taken for a home (commands say an init was interrupted), and the next `init` removes what the killed one made
# and makes a whole home. First the three kill points of a test-hook build (after the token, after the domain
# key, after the first vault), on the embedded token and on an external token, where the killed init's token
# objects must be gone afterwards; then INIT_KILLS (9) kills at random times of a whole init.
source "$(dirname "$0")/lib.bash"
INIT_KILLS=${INIT_KILLS:-9}
if ! "$CV" --help 2>&1 | grep -q -- --test-kill-at; then
  bad "this coldvault was built without COLDVAULT_TEST_HOOKS (--test-kill-at)"; finish; exit 1
fi

# whole HOME: the home opens, lists its vault and stores and reads a secret.
whole() {
  "$CV" --home "$1" "${@:2}" vault list -o none 2>/dev/null &&
    printf 'x' | "$CV" --home "$1" "${@:2}" secret set --vault-name first --name s --file - -o none 2>/dev/null &&
    [[ $("$CV" --home "$1" "${@:2}" secret show --vault-name first --name s 2>/dev/null | jq -r .value) == x ]]
}

# --- Embedded token, at each kill point.
for point in init-token-made init-domain-made init-vault-made; do
  H=$WORK/emb-$point
  expect_exit 137 "init killed at $point" -- "$CV" --home "$H" --test-kill-at "$point" init --vault-name first
  [[ -e $H/config.json ]] && bad "  a killed init left config.json" || ok "  no config.json: not a home"
  expect_exit 3 "  a command on it" -- "$CV" --home "$H" vault list
  expect_contains "$WORK/err" "an init of it was interrupted" "  which says an init was interrupted"
  expect_exit 0 "  init again" -- "$CV" --home "$H" init --vault-name first
  expect_contains "$WORK/err" "was interrupted; removed what it had made" "  which says what it did first"
  expect_eq "$(jq -r '.undoneFromInterruptedInit | length > 0' "$WORK/out")" "true" "  and lists it"
  if whole "$H"; then ok "  the home is whole"; else bad "  the home is not usable"; fi
  [[ -e $H/init.pending ]] && bad "  init.pending left beside config.json" || ok "  no init.pending left"
done
expect_exit 4 "init over a whole home is still refused" -- "$CV" --home "$WORK/emb-init-vault-made" init --vault-name first

# --- Killed inside a file write: the write's temp file (".<name>.<16 hex>.tmp") is left beside the others.
# While init.pending itself was written it is the folder's only entry; later, one sits beside init.pending.
H=$WORK/tmp-pending
mkdir -p "$H" && : >"$H/.init.pending.0123456789abcdef.tmp"
expect_exit 0 "killed while it wrote init.pending: init again" -- "$CV" --home "$H" init --vault-name first
expect_eq "$(jq -r '.undoneFromInterruptedInit[]' "$WORK/out")" "$H/.init.pending.0123456789abcdef.tmp" "  removing that temp file and only it"
if whole "$H"; then ok "  the home is whole"; else bad "  the home is not usable"; fi
H=$WORK/tmp-config
expect_exit 137 "killed before config.json" -- "$CV" --home "$H" --test-kill-at init-vault-made init --vault-name first
: >"$H/.config.json.fedcba9876543210.tmp"
expect_exit 0 "  with config.json's temp file beside init.pending: init again" -- "$CV" --home "$H" init --vault-name first
expect_eq "$(jq -r '[.undoneFromInterruptedInit[] | select(endswith(".tmp"))] | join(" ")' "$WORK/out")" "$H/.config.json.fedcba9876543210.tmp" "  removes the temp file"
if whole "$H"; then ok "  the home is whole"; else bad "  the home is not usable"; fi
# A file init never writes is not taken for a leftover: the folder is still refused, and the file kept.
H=$WORK/tmp-foreign
mkdir -p "$H" && : >"$H/.init.pending.0123456789abcdef.tmp" && : >"$H/.init.pending.notours.tmp"
expect_exit 4 "a folder with a file init never writes is refused" -- "$CV" --home "$H" init --vault-name first
[[ -e $H/.init.pending.notours.tmp && -e $H/.init.pending.0123456789abcdef.tmp ]] && ok "  nothing in it removed" || bad "  a file was removed"

# --- An external token: the killed init's token objects are destroyed by the next init.
export SOFTHSM2_CONF="$WORK/ext.conf"
mkdir -p "$WORK/ext-tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$WORK/ext-tokens" >"$SOFTHSM2_CONF"
softhsm2-util --init-token --free --label ext --pin 1234-ext --so-pin 5678-ext >/dev/null
printf '1234-ext\n' >"$WORK/ext.pin"
EXT=(--module /usr/lib/softhsm/libsofthsm2.so --token ext)
labels() {
  pkcs11-tool --module /usr/lib/softhsm/libsofthsm2.so --token-label ext --login --pin 1234-ext --list-objects 2>/dev/null |
    sed -n 's/^ *label: *\(coldvault-.*\)$/\1/p' | sed 's/ *$//' | sort
}
# A vault of another home on the same token, with the name the killed inits use: its keys must survive.
expect_exit 0 "another home on the external token" -- "$CV" --home "$WORK/other" --pin-file "$WORK/ext.pin" init "${EXT[@]}" --vault-name first
OTHER_KEYS=$(labels)
for point in init-domain-made init-vault-made; do
  H=$WORK/ext-$point
  v=v-${point//init-/}  # a vault name of its own per round
  expect_exit 137 "external token: init killed at $point" -- "$CV" --home "$H" --pin-file "$WORK/ext.pin" --test-kill-at "$point" init "${EXT[@]}" --vault-name "$v"
  KID=$(jq -r .kid "$H/init.pending")
  [[ -n $(labels | grep -e "coldvault-domain-$KID") ]] && ok "  its domain key is on the token" || bad "  no domain key of $KID"
  expect_exit 0 "  init again" -- "$CV" --home "$H" --pin-file "$WORK/ext.pin" init "${EXT[@]}" --vault-name "$v"
  expect_eq "$(labels | grep -c -e "-$KID$")" "0" "  no object of the killed init's domain $KID is left"
  expect_eq "$(labels | grep -c -x -e "coldvault-master-$v" -e "coldvault-sign-$v")" "3" "  one set of keys of vault $v"
  expect_exit 0 "  the new home works" -- "$CV" --home "$H" --pin-file "$WORK/ext.pin" secret set --vault-name "$v" --name s --value y
done
for l in $OTHER_KEYS; do
  labels | grep -qx -- "$l" || bad "the other home's key $l is gone"
done
expect_exit 0 "the other home still works" -- "$CV" --home "$WORK/other" --pin-file "$WORK/ext.pin" secret set --vault-name first --name s --value z
unset SOFTHSM2_CONF

# --- Random kills of a whole init on the embedded token.
t0=$(date +%s%N); "$CV" --home "$WORK/timed" init --vault-name first -o none 2>/dev/null
MS=$((($(date +%s%N) - t0) / 1000000))
echo "# init takes $MS ms unkilled"
WHOLE=0 RESTARTED=0 PARTIAL=0
for ((i = 1; i <= INIT_KILLS; i++)); do
  H=$WORK/rand-$i
  "$CV" --home "$H" init --vault-name first -o none >/dev/null 2>&1 &
  pid=$!
  ms=$((RANDOM % (MS * 12 / 10 + 1)))
  sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  if [[ -e $H/config.json ]]; then
    if whole "$H"; then WHOLE=$((WHOLE + 1)); else PARTIAL=$((PARTIAL + 1)); bad "kill $i after $ms ms: config.json but not usable"; fi
  elif "$CV" --home "$H" init --vault-name first -o none >/dev/null 2>"$WORK/err" && whole "$H"; then
    RESTARTED=$((RESTARTED + 1))
  else
    PARTIAL=$((PARTIAL + 1)); bad "kill $i after $ms ms: init again fails or leaves an unusable home: $(head -c 300 "$WORK/err")"
  fi
done
echo "# $INIT_KILLS random kills: $WHOLE whole, $RESTARTED restarted by the next init, $PARTIAL neither"
expect_eq "$PARTIAL" 0 "every killed init left a whole home or one the next init makes whole"
finish
