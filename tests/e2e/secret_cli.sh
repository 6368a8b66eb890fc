#!/usr/bin/env bash
# Every `coldvault secret` verb and its errors, through the real binary, a fresh SoftHSM token and catalogue.
source "$(dirname "$0")/lib.bash"

expect_exit 0 "init creates the embedded home" -- "$CV" init --vault-name main
expect_eq "$(jq -r .vault "$WORK/out")" "main" "init reports the vault"
expect_eq "$(stat -c %a "$COLDVAULT_HOME/user.pin")" "600" "embedded PIN file is 0600"
expect_exit 4 "init twice is Conflict" -- "$CV" init

printf 'v-one' >"$WORK/v1"
expect_exit 0 "set from file" -- "$CV" secret set --vault-name main --name app-pass --file "$WORK/v1" --content-type text/plain --tags env=test team=ops
V1=$(jq -r '.id | split("/") | last' "$WORK/out")
expect_eq "${#V1}" "32" "version id is 32 hex"
expect_eq "$(jq -r .value "$WORK/out")" "v-one" "set prints the bundle with its value"
expect_eq "$(jq -r .tags.team "$WORK/out")" "ops" "tags stored"
expect_exit 0 "set from stdin" -- bash -c "printf v-two | '$CV' secret set --vault-name main --name app-pass --file -"
expect_exit 0 "set with --value (warned)" -- "$CV" secret set --vault-name main --name app-pass --value v-three --expires 2099-01-01T00:00:00Z --not-before 2020-01-01
expect_contains "$WORK/err" "process list" "--value warns about argv"
expect_eq "$(jq -r .attributes.exp "$WORK/out")" "4070908800" "expires parsed as UTC"

expect_exit 0 "show latest" -- "$CV" secret show --vault-name main --name APP-PASS
expect_eq "$(jq -r .value "$WORK/out")" "v-three" "latest value"
expect_exit 0 "show version" -- "$CV" secret show --vault-name main --name app-pass --version "$V1"
expect_eq "$(jq -r .value "$WORK/out")" "v-one" "versioned value"
expect_eq "$(jq -r .id "$WORK/out")" "https://main.vault.localhost/secrets/app-pass/$V1" "Key Vault style id"
expect_exit 0 "list" -- "$CV" secret list --vault-name main
expect_eq "$(jq -r '.[0].id' "$WORK/out")" "https://main.vault.localhost/secrets/app-pass" "list ids are unversioned"
expect_eq "$(jq -r '.[0] | has("value")' "$WORK/out")" "false" "list shows no value"
expect_exit 0 "list-versions" -- "$CV" secret list-versions --vault-name main --name app-pass
expect_eq "$(jq length "$WORK/out")" "3" "three versions"
expect_exit 0 "table output" -- "$CV" secret list-versions --vault-name main --name app-pass -o table
expect_contains "$WORK/out" "attributes.enabled" "table has a header"

expect_exit 0 "set-attributes disables a version" -- "$CV" secret set-attributes --vault-name main --name app-pass --version "$V1" --enabled false
expect_exit 7 "show of a disabled version is Forbidden" -- "$CV" secret show --vault-name main --name app-pass --version "$V1"
expect_contains "$WORK/err" "disabled secret" "Forbidden message names the reason"
expect_exit 0 "set-attributes tags and content type" -- "$CV" secret set-attributes --vault-name main --name app-pass --tags only=this --content-type application/json
expect_eq "$(jq -c .tags "$WORK/out")" '{"only":"this"}' "tags replaced"
expect_exit 0 "disabled at creation" -- "$CV" secret set --vault-name main --name off --value x --disabled
expect_exit 7 "disabled secret is Forbidden" -- "$CV" secret show --vault-name main --name off
expect_exit 0 "future not-before" -- "$CV" secret set --vault-name main --name later --value x --not-before 2099-01-01
expect_exit 0 "not yet valid still shows (Key Vault: get works outside nbf/exp)" -- "$CV" secret show --vault-name main --name later
expect_eq "$(jq -r .value "$WORK/out")" "x" "the value"
expect_eq "$(jq -r .attributes.nbf "$WORK/out")" "4070908800" "with its not-before"

expect_exit 2 "invalid name" -- "$CV" secret set --vault-name main --name bad_name --value x
expect_exit 2 "bad date" -- "$CV" secret set --vault-name main --name d --value x --expires 2027-02-31
head -c 25601 /dev/zero | tr '\0' a >"$WORK/big"
expect_exit 2 "oversize value" -- "$CV" secret set --vault-name main --name big --file "$WORK/big"
expect_exit 3 "unknown secret" -- "$CV" secret show --vault-name main --name nope
expect_contains "$WORK/err" "SecretNotFound" "Key Vault error code"
expect_exit 3 "unknown version" -- "$CV" secret show --vault-name main --name app-pass --version 0123456789abcdef0123456789abcdef
expect_exit 3 "unknown vault" -- "$CV" secret show --vault-name nosuch --name app-pass
expect_exit 0 "nothing written by refusals" -- "$CV" secret list --vault-name main
expect_eq "$(jq -r '[.[].name] | join(",")' "$WORK/out")" "app-pass,later,off" "only the good secrets exist"

expect_exit 0 "delete" -- "$CV" secret delete --vault-name main --name app-pass
expect_eq "$(jq -r .recoveryId "$WORK/out")" "https://main.vault.localhost/deletedsecrets/app-pass" "recoveryId"
expect_exit 3 "deleted secret is NotFound" -- "$CV" secret show --vault-name main --name app-pass
expect_exit 4 "set on a deleted name is Conflict" -- "$CV" secret set --vault-name main --name app-pass --value x
expect_contains "$WORK/err" "deleted but recoverable" "Conflict message"
expect_exit 0 "list-deleted" -- "$CV" secret list-deleted --vault-name main
expect_eq "$(jq length "$WORK/out")" "1" "one deleted"
expect_exit 0 "show-deleted" -- "$CV" secret show-deleted --vault-name main --name app-pass
expect_exit 0 "recover" -- "$CV" secret recover --vault-name main --name app-pass
expect_exit 0 "recovered value" -- "$CV" secret show --vault-name main --name app-pass
expect_eq "$(jq -r .value "$WORK/out")" "v-three" "recover brings the latest back"
expect_exit 3 "purge of a live secret is NotFound" -- "$CV" secret purge --vault-name main --name app-pass
expect_exit 0 "delete again" -- "$CV" secret delete --vault-name main --name app-pass
expect_exit 0 "purge" -- "$CV" secret purge --vault-name main --name app-pass
expect_exit 3 "purged is gone" -- "$CV" secret show-deleted --vault-name main --name app-pass

expect_exit 0 "vault with purge protection" -- "$CV" vault create --vault-name locked --retention-days 7 --enable-purge-protection
expect_exit 0 "set in locked" -- "$CV" secret set --vault-name locked --name p --value x
expect_exit 0 "delete in locked" -- "$CV" secret delete --vault-name locked --name p
expect_eq "$(jq -r .attributes.recoveryLevel "$WORK/out")" "CustomizedRecoverable" "recovery level"
expect_exit 5 "purge under purge protection is Forbidden" -- "$CV" secret purge --vault-name locked --name p

# Two processes writing the same secret at once: both versions stored.
for i in $(seq 1 6); do printf 'r%s' "$i" | "$CV" secret set --vault-name main --name race --file - -o none 2>>"$WORK/race.err" & done
wait
expect_exit 0 "list race versions" -- "$CV" secret list-versions --vault-name main --name race
expect_eq "$(jq length "$WORK/out")" "6" "six concurrent writers, six versions"
[[ $(jq length "$WORK/out") == 6 ]] || cat "$WORK/race.err"


# --- az's flags and value formats (docs/cli.md) --------------------------------------------------
S=(--vault-name main)
printf 'hello\n' >"$WORK/txt"
expect_exit 0 "set records its encoding as az does" -- "$CV" secret set "${S[@]}" --name enc-text --file "$WORK/txt"
expect_eq "$(jq -r '.tags["file-encoding"]' "$WORK/out")" "utf-8" "file-encoding tag, default utf-8"
expect_exit 0 "set --value is tagged too" -- "$CV" secret set "${S[@]}" --name enc-value --value plain --tags a=1
expect_eq "$(jq -c .tags "$WORK/out")" '{"a":"1","file-encoding":"utf-8"}' "--value keeps the caller's tags and adds file-encoding"
head -c 100 /dev/urandom >"$WORK/bin"
expect_exit 0 "set --encoding base64" -- "$CV" secret set "${S[@]}" --name enc-b64 --file "$WORK/bin" --encoding base64
expect_eq "$(jq -r .value "$WORK/out")" "$(base64 "$WORK/bin")" "base64 value in 76-character lines, as az stores it"
expect_exit 0 "download follows the file-encoding tag" -- "$CV" secret download "${S[@]}" --name enc-b64 --file "$WORK/bin.out"
expect_exit 0 "downloaded bytes are the file's" -- cmp "$WORK/bin" "$WORK/bin.out"
expect_eq "$(stat -c %a "$WORK/bin.out")" "600" "downloaded secret is 0600"
expect_exit 4 "download refuses an existing file" -- "$CV" secret download "${S[@]}" --name enc-b64 --file "$WORK/bin.out"
expect_contains "$WORK/err" "overwrite" "refusal names --overwrite"
expect_exit 0 "download --overwrite" -- "$CV" secret download "${S[@]}" --name enc-b64 --file "$WORK/bin.out" --overwrite
expect_exit 0 "set -e hex" -- "$CV" secret set "${S[@]}" --name enc-hex -f "$WORK/bin" -e hex
expect_eq "$(jq -r .value "$WORK/out")" "$(od -An -tx1 -v "$WORK/bin" | tr -d ' \n')" "hex value, lower case"
expect_exit 0 "download hex" -- "$CV" secret download "${S[@]}" --name enc-hex --file "$WORK/hex.out"
expect_exit 0 "hex round trip" -- cmp "$WORK/bin" "$WORK/hex.out"
expect_exit 0 "download --encoding utf-8 writes the stored text" -- "$CV" secret download "${S[@]}" --name enc-hex --file "$WORK/hex.txt" --encoding utf-8
expect_eq "$(cat "$WORK/hex.txt")" "$(od -An -tx1 -v "$WORK/bin" | tr -d ' \n')" "the hex text itself"
expect_exit 2 "download --encoding hex of a text secret" -- "$CV" secret download "${S[@]}" --name enc-text --file "$WORK/nothex" --encoding hex
expect_exit 1 "nothing written by the refused download" -- test -e "$WORK/nothex"
printf 'caf\xc3\xa9' >"$WORK/accent"
expect_exit 2 "ascii refuses non-ASCII text" -- "$CV" secret set "${S[@]}" --name enc-ascii --file "$WORK/accent" --encoding ascii
expect_exit 0 "utf-16le stores the text" -- "$CV" secret set "${S[@]}" --name enc-u16 --file "$WORK/accent" --encoding utf-16le
expect_eq "$(jq -r .value "$WORK/out")" "café" "text kept as read"
expect_exit 0 "utf-16be accepted" -- "$CV" secret set "${S[@]}" --name enc-u16 --file "$WORK/txt" --encoding utf-16be
expect_exit 2 "unknown encoding" -- "$CV" secret set "${S[@]}" --name enc-bad --file "$WORK/txt" --encoding latin1
expect_exit 2 "binary file as utf-8" -- "$CV" secret set "${S[@]}" --name enc-bad --file "$WORK/bin"
expect_contains "$WORK/err" "base64 or hex" "message names the binary encodings"
expect_exit 0 "--description is az's alias of --content-type" -- "$CV" secret set "${S[@]}" --name desc --value x --description password
expect_eq "$(jq -r .contentType "$WORK/out")" "password" "content type from --description"
expect_exit 0 "--disabled false" -- "$CV" secret set "${S[@]}" --name dis --value x --disabled false
expect_eq "$(jq -r .attributes.enabled "$WORK/out")" "true" "--disabled false leaves it enabled"
expect_exit 0 "--disabled true" -- "$CV" secret set "${S[@]}" --name dis --value x --disabled TRUE
expect_eq "$(jq -r .attributes.enabled "$WORK/out")" "false" "--disabled true disables"
expect_exit 2 "--disabled maybe" -- "$CV" secret set "${S[@]}" --name dis --value x --disabled maybe
expect_exit 0 "az's short date forms" -- "$CV" secret set "${S[@]}" --name dates --value x --expires 2099-01-01T10Z --not-before 2020-01-01T10:30Z
expect_eq "$(jq -r .attributes.exp "$WORK/out")" "4070944800" "2099-01-01T10Z"
expect_eq "$(jq -r .attributes.nbf "$WORK/out")" "1577874600" "2020-01-01T10:30Z"
expect_exit 2 "a month 13" -- "$CV" secret set "${S[@]}" --name dates --value x --expires 2099-13-01T00:00:00Z
expect_contains "$WORK/err" "2027-12-31T12:59:59Z" "message shows az's form"
expect_exit 0 "a tag without =" -- "$CV" secret set "${S[@]}" --name tagged --value x --tags solo k=v
expect_eq "$(jq -c .tags "$WORK/out")" '{"file-encoding":"utf-8","k":"v","solo":""}' "solo is an empty-valued tag"
expect_exit 2 "a tag without a key" -- "$CV" secret set "${S[@]}" --name tagged --value x --tags =v
expect_exit 0 "--tags \"\" clears" -- "$CV" secret set-attributes "${S[@]}" --name tagged --tags ""
expect_eq "$(jq -c .tags "$WORK/out")" '{}' "tags cleared"
expect_exit 0 "set-attributes --enabled bare" -- "$CV" secret set-attributes "${S[@]}" --name dis --enabled
expect_eq "$(jq -r .attributes.enabled "$WORK/out")" "true" "bare --enabled enables"
expect_exit 2 "--enabled maybe" -- "$CV" secret set-attributes "${S[@]}" --name dis --enabled maybe
expect_exit 0 "list --include-pending is accepted" -- "$CV" secret list "${S[@]}" --include-pending true
expect_contains "$WORK/err" "include-pending ignored" "one note on stderr"
expect_exit 0 "list-deleted --include-pending is accepted" -- "$CV" secret list-deleted "${S[@]}" --include-pending
expect_contains "$WORK/err" "include-pending ignored" "one note on stderr"
expect_exit 2 "--maxresults not a number" -- "$CV" secret list "${S[@]}" --maxresults many
expect_exit 0 "--maxresults 2" -- "$CV" secret list "${S[@]}" --maxresults 2
expect_eq "$(jq length "$WORK/out")" "2" "two listed"

finish
