#!/usr/bin/env bash
# A broken home gets an error that names the path or the cause and what to do, with its documented exit code
# (docs/errors.md, "A broken home"), and nothing is changed by the refused command.
source "$(dirname "$0")/lib.bash"
H="$COLDVAULT_HOME"

expect_exit 0 "init" -- "$CV" init --vault-name main
printf 'v1' | "$CV" secret set --vault-name main --name app --file - -o none || bad "first set"
show() { "$CV" secret show --vault-name main --name app -o json; }
expect_exit 0 "a healthy home answers" -- show

# --- The embedded token folder is gone ---
mv "$H/tokens" "$H/tokens.away"
expect_exit 10 "token folder missing: HsmUnavailable (exit 10)" -- show
expect_contains "$WORK/err" "embedded token folder $H/tokens is missing" "the message names the folder"
expect_contains "$WORK/err" "restored from its" "and says what to do"
if grep -q CKR_GENERAL_ERROR "$WORK/err"; then bad "a bare CKR_GENERAL_ERROR is shown"; else ok "no bare CKR_GENERAL_ERROR"; fi
mv "$H/tokens.away" "$H/tokens"
expect_exit 0 "the folder back: the home answers again" -- show

# --- softhsm2.conf missing, or pointing elsewhere (a moved or copied home) ---
cp "$H/softhsm2.conf" "$WORK/conf.keep"
rm "$H/softhsm2.conf"
expect_exit 10 "softhsm2.conf missing: exit 10" -- show
expect_contains "$WORK/err" "configuration $H/softhsm2.conf is missing" "the message names the file"
mkdir -p "$WORK/elsewhere"
sed "s#^directories.tokendir = .*#directories.tokendir = $WORK/elsewhere#" "$WORK/conf.keep" >"$H/softhsm2.conf"
expect_exit 10 "softhsm2.conf pointing at another folder: exit 10" -- show
expect_contains "$WORK/err" "points the token folder at $WORK/elsewhere, not at this home's $H/tokens" \
  "the message names both folders"
cp "$WORK/conf.keep" "$H/softhsm2.conf"
cp -a "$H" "$WORK/copy"
expect_exit 10 "a copied home does not silently use the original's token" -- \
  "$CV" --home "$WORK/copy" secret show --vault-name main --name app
expect_contains "$WORK/err" "was the home moved or copied" "the copy is told why"
sed -i "s#^directories.tokendir = .*#directories.tokendir = $WORK/copy/tokens#" "$WORK/copy/softhsm2.conf"
expect_exit 0 "its softhsm2.conf fixed as the message says, the copy answers" -- \
  "$CV" --home "$WORK/copy" secret show --vault-name main --name app

# --- The token folder unusable by the caller (run as nobody: root reads every folder) ---
if command -v setpriv >/dev/null && [[ $(id -u) == 0 ]]; then
  NB="$WORK/nb"
  mkdir -p "$NB" && chmod 755 "$WORK" "$NB"
  cp "$CV" "$NB/coldvault" && cp -a "$H" "$NB/home"
  chown -R 65534:65534 "$NB/home" && chown 0:0 "$NB/home/tokens" && chmod 700 "$NB/home/tokens"
  sed -i "s#^directories.tokendir = .*#directories.tokendir = $NB/home/tokens#" "$NB/home/softhsm2.conf"
  expect_exit 10 "a token folder the caller cannot use: exit 10" -- setpriv --reuid=65534 --regid=65534 --clear-groups \
    "$NB/coldvault" --home "$NB/home" secret show --vault-name main --name app
  expect_contains "$WORK/err" "cannot use the embedded token folder $NB/home/tokens: Permission denied" \
    "the message names the folder and the cause"
  expect_contains "$WORK/err" "home's owner, uid 0" "and whose it is"
else
  ok "SKIP unusable token folder (needs root and setpriv)"
fi

# --- A catalogue from a newer coldvault ---
sqlite3 "$H/catalog.db" "PRAGMA user_version" >"$WORK/ver"
sqlite3 "$H/catalog.db" "PRAGMA user_version=$(($(cat "$WORK/ver") + 1))"
expect_exit 13 "a newer schema: StorageFailure (exit 13)" -- show
expect_contains "$WORK/err" "is newer than this coldvault understands" "the message says so"
expect_contains "$WORK/err" "a newer coldvault wrote it" "and what to do"
sqlite3 "$H/catalog.db" "PRAGMA user_version=$(cat "$WORK/ver")"

# --- The catalogue locked by another process beyond the busy timeout ---
# sqlite3 holds the write lock until its input closes (a fifo this script keeps open).
mkfifo "$WORK/lockin"
sqlite3 "$H/catalog.db" <"$WORK/lockin" >/dev/null 2>&1 &
LOCKER=$!
exec 7>"$WORK/lockin"
echo "BEGIN IMMEDIATE; SELECT 'locked';" >&7
sleep 0.5
printf 'v2' >"$WORK/v2"
expect_exit 13 "a set while another process holds the lock: exit 13" -- \
  "$CV" --test-busy-timeout 300 secret set --vault-name main --name app --file "$WORK/v2"
expect_contains "$WORK/err" "the catalogue $H/catalog.db stayed locked by another process for 300 ms" \
  "the message names the catalogue and the wait"
expect_contains "$WORK/err" "fuser" "and how to find the holder"
echo "ROLLBACK;" >&7
exec 7>&-
wait "$LOCKER"
expect_exit 0 "the lock gone, the home answers" -- show
expect_eq "$(jq -r .value "$WORK/out")" "v1" "the refused set changed nothing"

finish
