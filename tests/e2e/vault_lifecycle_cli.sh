#!/usr/bin/env bash
# Issue 12, CLI form of seed 004: a vault with soft delete is deleted, listed as deleted and recovered with
# every secret and version intact; then backup, change, restore into another vault, recover a deleted
# secret. Retention expiry on the test clock (--now, test builds only), update rules, and the refusals.
source "$(dirname "$0")/lib.bash"
NOW=$(date +%s)
DAY=86400

expect_exit 0 "init" -- "$CV" init --vault-name main
expect_exit 0 "create a vault with 7-day retention" -- "$CV" vault create --vault-name seedvault --retention-days 7
"$CV" secret set --vault-name seedvault --name conn --file <(printf 'v1') >/dev/null
"$CV" secret set --vault-name seedvault --name conn --file <(printf 'v2') >/dev/null
"$CV" secret set --vault-name seedvault --name api --file <(printf 'key') >/dev/null
V1=$("$CV" secret list-versions --vault-name seedvault --name conn | jq -r '.[0].id' | sed 's|.*/||')

expect_exit 0 "vault delete" -- "$CV" vault delete --vault-name seedvault
expect_eq "$(jq -r .scheduledPurgeDate - <"$WORK/out")" "$(( $(jq -r .deletedDate "$WORK/out") + 7 * DAY ))" \
  "scheduled purge = deletion + retention"
expect_exit 3 "its secrets are unreachable (VaultNotFound)" -- "$CV" secret show --vault-name seedvault --name conn
expect_contains "$WORK/err" "VaultNotFound" "the error names the vault"
expect_exit 0 "vault list-deleted" -- "$CV" vault list-deleted
expect_eq "$(jq -r '.[].name' "$WORK/out")" "seedvault" "the deleted vault is listed"
expect_exit 0 "vault list" -- "$CV" vault list
expect_eq "$(jq -r '[.[].name] | index("seedvault")' "$WORK/out")" "null" "and not among live vaults"
expect_exit 0 "vault show-deleted" -- "$CV" vault show-deleted --vault-name seedvault
expect_exit 4 "a new vault cannot take the deleted one's name" -- "$CV" vault create --vault-name SeedVault
expect_contains "$WORK/err" "soft deleted" "Conflict says why"
expect_exit 0 "vault recover" -- "$CV" vault recover --vault-name seedvault
expect_eq "$(jq -r .softDeleteRetentionInDays "$WORK/out")" "7" "configuration unchanged"
expect_eq "$("$CV" secret show --vault-name seedvault --name conn | jq -r .value)" "v2" "latest version intact"
expect_eq "$("$CV" secret show --vault-name seedvault --name conn --version "$V1" | jq -r .value)" "v1" "old version intact"
expect_eq "$("$CV" secret show --vault-name seedvault --name api | jq -r .value)" "key" "other secret intact"
expect_exit 4 "recover of a live vault" -- "$CV" vault recover --vault-name seedvault
expect_exit 3 "delete of an unknown vault" -- "$CV" vault delete --vault-name nosuchvault
expect_exit 3 "purge of a live vault" -- "$CV" vault purge --vault-name seedvault

# Seed, second half: back up, change, restore into another vault, recover a deleted secret.
expect_exit 0 "secret backup" -- "$CV" secret backup --vault-name seedvault --name conn --file "$WORK/conn.blob"
"$CV" secret set --vault-name seedvault --name conn --file <(printf 'v3') >/dev/null
expect_exit 0 "second vault" -- "$CV" vault create --vault-name staging
expect_exit 0 "restore the backup into it" -- "$CV" secret restore --vault-name staging --file "$WORK/conn.blob"
expect_eq "$("$CV" secret show --vault-name staging --name conn | jq -r .value)" "v2" "restored state is the backup's"
expect_eq "$("$CV" secret list-versions --vault-name staging --name conn | jq length)" "2" "with its two versions"
expect_exit 0 "delete a secret" -- "$CV" secret delete --vault-name seedvault --name api
expect_exit 0 "recover it" -- "$CV" secret recover --vault-name seedvault --name api
expect_eq "$("$CV" secret show --vault-name seedvault --name api | jq -r .value)" "key" "recovered value"

# Update: retention range, purge protection only goes on.
expect_exit 2 "retention 6 refused" -- "$CV" vault update --vault-name staging --retention-days 6
expect_exit 2 "retention 91 refused" -- "$CV" vault update --vault-name staging --retention-days 91
expect_exit 0 "turn purge protection on" -- "$CV" vault update --vault-name staging --enable-purge-protection true
expect_eq "$(jq -r .enablePurgeProtection "$WORK/out")" "true" "it is on"
expect_exit 2 "turning it off is refused" -- "$CV" vault update --vault-name staging --enable-purge-protection false
expect_exit 0 "still on" -- "$CV" vault show --vault-name staging -o json
expect_eq "$(jq -r .enablePurgeProtection "$WORK/out")" "true" "nothing changed"

# Expiry on the test clock: a protected object becomes purgeable exactly at its scheduled date.
if ! "$CV" --now "$NOW" vault list >/dev/null 2>&1; then
  bad "this coldvault was built without COLDVAULT_TEST_HOOKS (--now)"; finish; exit 1
fi
expect_exit 0 "delete in the protected vault at T" -- "$CV" --now "$NOW" secret delete --vault-name staging --name conn
expect_exit 5 "purge is Forbidden under protection" -- "$CV" --now "$NOW" secret purge --vault-name staging --name conn
expect_exit 0 "one second before the date it is still there" -- \
  "$CV" --now $((NOW + 90 * DAY - 1)) secret show-deleted --vault-name staging --name conn
expect_exit 3 "at the scheduled date any command purges it first" -- \
  "$CV" --now $((NOW + 90 * DAY)) secret show-deleted --vault-name staging --name conn
expect_exit 0 "the name is free again" -- "$CV" --now $((NOW + 90 * DAY)) secret set --vault-name staging --name conn --file <(printf 'new')
expect_exit 0 "delete seedvault at T" -- "$CV" --now "$NOW" vault delete --vault-name seedvault
expect_exit 0 "list-deleted a day before its date" -- "$CV" --now $((NOW + 6 * DAY)) vault list-deleted
expect_eq "$(jq -r '[.[].name] | index("seedvault")' "$WORK/out")" "0" "the deleted vault is still there"
expect_exit 0 "list-deleted after its date" -- "$CV" --now $((NOW + 8 * DAY)) vault list-deleted
expect_eq "$(jq -r '[.[].name] | index("seedvault")' "$WORK/out")" "null" "the expired vault is gone"
expect_exit 0 "catalog events (catalogue only, no token)" -- "$CV" catalog events --vault-name seedvault
expect_eq "$(jq -r '.[0].event + " " + .[0].type' "$WORK/out")" "expire vault" "the expiry is recorded"
expect_exit 0 "its name can be used again" -- "$CV" vault create --vault-name seedvault
expect_exit 3 "and nothing of the old one is in it" -- "$CV" secret show --vault-name seedvault --name conn
finish
