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
expect_exit 5 "not yet valid is Forbidden" -- "$CV" secret show --vault-name main --name later

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

finish
