#!/usr/bin/env bash
# Issue 12, REST form of seed 004 with plain HTTP calls (as the seed's HttpClient makes them): the ARM-shaped
# management API creates a vault with soft delete, DELETEs it, lists it as deleted, recovers it with
# createMode "recover"; the data plane then finds every secret and version, backs a secret up, changes it,
# restores the backup into another vault and recovers a deleted secret. Admin and vault tokens do not mix.
source "$(dirname "$0")/lib.bash"
trap 'stop_server; rm -rf "$WORK"' EXIT

expect_exit 0 "init" -- "$CV" init --vault-name main
ADMIN=$("$CV" token create --admin --label ops 2>/dev/null | jq -r .token)
DATA=$("$CV" token create --vault-name main --permissions all 2>/dev/null | jq -r .token)
expect_eq "${ADMIN:0:5}" "cva1_" "admin tokens have their own prefix"
start_serve serve --vault-name main --listen 127.0.0.1:0 --purge-interval 0
ARM="https://localhost:$PORT/subscriptions/sub-1/resourceGroups/rg-1/providers/Microsoft.KeyVault"
SUB="https://localhost:$PORT/subscriptions/sub-1/providers/Microsoft.KeyVault"
MV="api-version=2023-07-01"
# call TOKEN METHOD URL [BODY]: HTTP status in $STATUS, body in $WORK/body
call() {
  local args=(-s --cacert "$CERT" -o "$WORK/body" -w '%{http_code}' -X "$2" -H "Authorization: Bearer $1"
    --resolve "seedvault.vault.localhost:$PORT:127.0.0.1" --resolve "staging.vault.localhost:$PORT:127.0.0.1")
  if [[ $# -ge 4 ]]; then args+=(-H "Content-Type: application/json" --data "$4"); else args+=(-H "Content-Length: 0"); fi
  STATUS=$(curl "${args[@]}" "$3")
}
data() { echo "https://$1.vault.localhost:$PORT/$2"; }

call "$ADMIN" PUT "$ARM/vaults/seedvault?$MV" \
  '{"location":"westeurope","properties":{"tenantId":"t","sku":{"family":"A","name":"standard"},"enableSoftDelete":true,"softDeleteRetentionInDays":7}}'
expect_eq "$STATUS" "200" "PUT vault creates it"
expect_eq "$(jq -r .properties.softDeleteRetentionInDays "$WORK/body")" "7" "with its retention"
expect_eq "$(jq -r .properties.vaultUri "$WORK/body")" "https://seedvault.vault.localhost:$PORT/" "and its data-plane URI"
expect_eq "$(jq -r .id "$WORK/body")" "/subscriptions/sub-1/resourceGroups/rg-1/providers/Microsoft.KeyVault/vaults/seedvault" "ARM id"
call "$DATA" PUT "$ARM/vaults/other?$MV" '{"properties":{}}'
expect_eq "$STATUS" "401" "a vault's token cannot manage vaults"
call "$ADMIN" GET "$(data main secrets)?api-version=7.4"
expect_eq "$STATUS" "401" "an admin token reads no vault's data"
call "$ADMIN" GET "$ARM/vaults/seedvault?api-version=7.4"
expect_eq "$STATUS" "400" "a data-plane api-version on the management API"

SEED=$("$CV" token create --vault-name seedvault --permissions all 2>/dev/null | jq -r .token)
call "$SEED" PUT "$(data seedvault secrets/conn)?api-version=7.4" '{"value":"v1"}'
V1=$(jq -r .id "$WORK/body" | sed 's|.*/||')
call "$SEED" PUT "$(data seedvault secrets/conn)?api-version=7.4" '{"value":"v2"}'
expect_eq "$STATUS" "200" "secrets set in the new vault"

call "$ADMIN" DELETE "$ARM/vaults/seedvault?$MV"
expect_eq "$STATUS" "200" "DELETE vault"
call "$SEED" GET "$(data seedvault secrets/conn)?api-version=7.4"
expect_eq "$STATUS" "404" "its data is unreachable"
call "$ADMIN" GET "$SUB/deletedVaults?$MV"
expect_eq "$(jq -r '.value[].name' "$WORK/body")" "seedvault" "listed as deleted"
expect_eq "$(jq -r '.value[0].type' "$WORK/body")" "Microsoft.KeyVault/deletedVaults" "ARM type"
call "$ADMIN" GET "$SUB/locations/westeurope/deletedVaults/seedvault?$MV"
expect_eq "$STATUS" "200" "GET the deleted vault"
call "$ADMIN" PUT "$ARM/vaults/seedvault?$MV" '{"location":"westeurope","properties":{}}'
expect_eq "$STATUS" "409" "creating it again without recover is Conflict"
call "$ADMIN" PUT "$ARM/vaults/seedvault?$MV" '{"location":"westeurope","properties":{"createMode":"recover"}}'
expect_eq "$STATUS" "200" "createMode recover"
expect_eq "$(jq -r .properties.softDeleteRetentionInDays "$WORK/body")" "7" "configuration unchanged"
call "$SEED" GET "$(data seedvault secrets/conn)?api-version=7.4"
expect_eq "$(jq -r .value "$WORK/body")" "v2" "the same token reads the latest version again"
call "$SEED" GET "$(data seedvault secrets/conn/$V1)?api-version=7.4"
expect_eq "$(jq -r .value "$WORK/body")" "v1" "and the old version"

# Backup, change, restore into another vault, recover a deleted secret.
call "$SEED" POST "$(data seedvault secrets/conn/backup)?api-version=7.4"
BLOB=$(jq -r .value "$WORK/body")
call "$SEED" PUT "$(data seedvault secrets/conn)?api-version=7.4" '{"value":"v3"}'
call "$ADMIN" PUT "$ARM/vaults/staging?$MV" '{"location":"westeurope","properties":{}}'
expect_eq "$STATUS" "200" "second vault"
STAGING=$("$CV" token create --vault-name staging --permissions all 2>/dev/null | jq -r .token)
call "$STAGING" POST "$(data staging secrets/restore)?api-version=7.4" "{\"value\":\"$BLOB\"}"
expect_eq "$STATUS" "200" "restore into the other vault: $(head -c 300 "$WORK/body")"
call "$STAGING" GET "$(data staging secrets/conn)?api-version=7.4"
expect_eq "$(jq -r .value "$WORK/body")" "v2" "restored state is the backup's"
call "$SEED" DELETE "$(data seedvault secrets/conn)?api-version=7.4"
call "$SEED" POST "$(data seedvault deletedsecrets/conn/recover)?api-version=7.4"
expect_eq "$STATUS" "200" "recover the deleted secret"
call "$SEED" GET "$(data seedvault secrets/conn)?api-version=7.4"
expect_eq "$(jq -r .value "$WORK/body")" "v3" "recovered value"

# Update, purge protection, purge and the refusals.
call "$ADMIN" PATCH "$ARM/vaults/staging?$MV" '{"properties":{"enablePurgeProtection":true}}'
expect_eq "$(jq -r .properties.enablePurgeProtection "$WORK/body")" "true" "PATCH turns purge protection on"
call "$ADMIN" PATCH "$ARM/vaults/staging?$MV" '{"properties":{"enablePurgeProtection":false}}'
expect_eq "$STATUS" "400" "and cannot turn it off"
call "$ADMIN" PATCH "$ARM/vaults/staging?$MV" '{"properties":{"softDeleteRetentionInDays":3}}'
expect_eq "$STATUS" "400" "retention outside 7-90"
call "$ADMIN" DELETE "$ARM/vaults/staging?$MV"
call "$ADMIN" POST "$SUB/locations/westeurope/deletedVaults/staging/purge?$MV"
expect_eq "$STATUS" "403" "purge under purge protection is Forbidden"
call "$ADMIN" DELETE "$ARM/vaults/nosuchvault?$MV"
expect_eq "$STATUS" "404" "DELETE of an unknown vault"
call "$ADMIN" POST "$SUB/locations/westeurope/deletedVaults/main/purge?$MV"
expect_eq "$STATUS" "404" "purge of a live vault"
call "$ADMIN" PUT "$ARM/vaults/main?$MV" '{"properties":{"createMode":"recover"}}'
expect_eq "$STATUS" "409" "recover of a live vault"
call "$ADMIN" PUT "$ARM/vaults/bad_name?$MV" '{"properties":{}}'
expect_eq "$STATUS" "400" "a malformed vault name"
call "$ADMIN" PUT "$ARM/vaults/fresh?$MV" '{"properties":{"createMode":"restore"}}'
expect_eq "$STATUS" "400" "an unknown createMode"
call "$ADMIN" DELETE "$ARM/vaults/seedvault?$MV"
call "$ADMIN" POST "$SUB/locations/westeurope/deletedVaults/seedvault/purge?$MV"
expect_eq "$STATUS" "200" "purge of an unprotected deleted vault"
call "$ADMIN" GET "$SUB/deletedVaults?$MV"
expect_eq "$(jq -r '[.value[].name] | sort | join(",")' "$WORK/body")" "staging" "only the protected one is left"
call "$ADMIN" GET "$ARM/vaults?$MV"
expect_eq "$(jq -r '[.value[].name] | join(",")' "$WORK/body")" "main" "live vaults"
stop_server
expect_contains "$WORK/serve.err" " 0 server errors" "no request was answered with a 5xx"
finish
