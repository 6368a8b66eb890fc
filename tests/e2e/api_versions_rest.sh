#!/usr/bin/env bash
# Issue 16 item 1: the seeds' literal requests pass as written. Seed 001 backs a key and a secret up with
# api-version=2016-10-01; seed 002 is the Restore Secret page for api-version=7.1, sent byte for byte
# (host myvault.vault.azure.net, the doubled slash, the sample's own blob). Every accepted version reaches
# the routes; an unknown one is still 400.
source "$(dirname "$0")/lib.bash"
trap 'stop_server; rm -rf "$WORK"' EXIT
DATA="$(cd "$(dirname "$0")/../data" && pwd)"

expect_exit 0 "init" -- "$CV" init --vault-name myvault
printf 'seed-secret' | "$CV" secret set --vault-name myvault --name s1 --file - -o none
"$CV" key create --vault-name myvault --name k1 --kty RSA --size 2048 -o none
TOKEN=$("$CV" token create --vault-name myvault --permissions all 2>/dev/null | jq -r .token)
start_serve serve --vault-name myvault --hostname myvault.vault.azure.net --listen 127.0.0.1:0 --purge-interval 0
HOST=myvault.vault.azure.net

# send METHOD PATH-AND-QUERY [BODY-FILE]: status in $STATUS, body in $WORK/body, headers in $WORK/headers
send() {
  local args=(-s --cacert "$CERT" -o "$WORK/body" -D "$WORK/headers" -w '%{http_code}' -X "$1"
    -H "Authorization: Bearer $TOKEN" --resolve "$HOST:$PORT:127.0.0.1")
  if [[ $# -ge 3 ]]; then args+=(-H "Content-Type: application/json" --data-binary "@$3"); else args+=(-H "Content-Length: 0"); fi
  STATUS=$(curl "${args[@]}" "https://$HOST:$PORT$2")
}

# --- Seed 001: POST {vaultBaseUrl}/keys/{key-name}/backup?api-version=2016-10-01, and the secret's. ---
send POST "/keys/k1/backup?api-version=2016-10-01"
expect_eq "$STATUS" "200" "key backup with api-version=2016-10-01: $(head -c 200 "$WORK/body")"
[[ $(jq -r .value "$WORK/body" | wc -c) -gt 100 ]] && ok "the key backup carries a blob" || bad "no key blob"
send POST "/secrets/s1/backup?api-version=2016-10-01"
expect_eq "$STATUS" "200" "secret backup with api-version=2016-10-01"
jq '{value}' "$WORK/body" >"$WORK/s1.json"

# Our own blob restores with the seed's version once the name is free (delete + purge).
send DELETE "/secrets/s1?api-version=7.1"
send DELETE "/deletedsecrets/s1?api-version=7.1"
expect_eq "$STATUS" "204" "purge s1 with 7.1"
send POST "//secrets/restore?api-version=7.1" "$WORK/s1.json"
expect_eq "$STATUS" "200" "restore of coldvault's own blob with api-version=7.1"
expect_eq "$(jq -r .id "$WORK/body" | sed 's|/[^/]*$||')" "https://$HOST:$PORT/secrets/s1" "the restored id"

# --- Seed 002, as written: the sample's blob is Key Vault's, bound to Microsoft's HSMs. ---
printf '{\n  "value": "%s"\n}\n' "$(tr -d '\n' <"$DATA/akv_secret_backup_sample.txt")" >"$WORK/seed002.json"
send POST "//secrets/restore?api-version=7.1" "$WORK/seed002.json"
expect_eq "$STATUS" "400" "seed 002's request reaches Restore Secret"
expect_contains "$WORK/body" "Azure Key Vault blob" "and is refused for what its blob is, not its version"
expect_eq "$(jq -r .error.code "$WORK/body")" "BadParameter" "in Key Vault's envelope"

# --- Every accepted version reaches the routes; unknown ones do not. ---
for v in 2016-10-01 7.0 7.1 7.2-preview 7.2 7.3-preview 7.3 7.4-preview.1 7.4 7.5-preview.1 7.5 \
  7.6-preview.1 7.6-preview.2 7.6 2025-07-01 2026-04-01; do
  send GET "/keys/k1/?api-version=$v"
  [[ $STATUS == 200 ]] && ok "GET key with $v" || bad "GET key with $v: $STATUS $(head -c 200 "$WORK/body")"
done
for v in 2015-06-01 7.7 8.0 7.6-preview.3 2016-10-02; do
  send GET "/keys/k1/?api-version=$v"
  expect_eq "$STATUS" "400" "api-version $v is refused"
  expect_contains "$WORK/body" "is not recognized" "  naming it as unknown ($v)"
done

# --- Issue 16 item 2: the headers Key Vault's answers carry. ---
header() { tr -d '\r' <"$WORK/headers" | sed -n "s/^$1: //Ip"; }
GUID='^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'
declare -A SEEN=()
for i in 1 2 3 4 5; do
  send GET "/keys/k1/?api-version=7.6"
  RID=$(header x-ms-request-id)
  [[ $RID =~ $GUID ]] && ok "x-ms-request-id is a GUID ($RID)" || bad "x-ms-request-id: '$RID'"
  [[ -z ${SEEN[$RID]:-} ]] && ok "  and a new one" || bad "request id $RID repeated"
  SEEN[$RID]=1
done
expect_eq "$(header Content-Type)" "application/json; charset=utf-8" "JSON bodies say their charset"
expect_eq "$(header x-ms-keyvault-region)" "local" "x-ms-keyvault-region"
[[ -n $(header x-ms-keyvault-service-version) ]] && ok "x-ms-keyvault-service-version is set" || bad "no service version"
send GET "/keys/k1/?api-version=7.7"
[[ $(header x-ms-request-id) =~ $GUID ]] && ok "a refusal carries a request id too" || bad "no id on a refusal"
expect_eq "$(header Content-Type)" "application/json; charset=utf-8" "and an error body its charset"

finish
