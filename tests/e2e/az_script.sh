#!/usr/bin/env bash
# An `az keyvault` script (az/keyvault-script.sh) run with only `az` replaced by coldvault: az's output
# shapes, -o tsv/table/yaml/none, --query, --id, the keyvault group, az's global flags and exit codes.
# Expected outputs are az's documented behaviour (docs/az-compat.md). Lines marked [B] in the script
# need the per-verb az flags (--data-type, secret download) of docs/cli.md.
source "$(dirname "$0")/lib.bash"
# This test is about the defaults: az's shapes and exit codes (lib.bash pins the detailed ones).
unset COLDVAULT_EXIT_CODES COLDVAULT_OUTPUT_SHAPE

expect_exit 0 "init" -- "$CV" init --vault-name main
CALLS="$WORK/calls"
mkdir -p "$CALLS" "$WORK/d"
echo 0 >"$CALLS/n"
# Each call's stdout, stderr and exit code are kept under its number (a file counter: $(...) runs az
# in a subshell).
az() {
  local n=$(( $(cat "$CALLS/n") + 1 ))
  echo "$n" >"$CALLS/n"
  "$CV" "$@" >"$CALLS/$n.out" 2>"$CALLS/$n.err"
  local rc=$?
  echo "$rc" >"$CALLS/$n.rc"
  cat "$CALLS/$n.out"
  return $rc
}
printf 'first' >"$WORK/d/api.txt"
VAULT=main DIR="$WORK/d" SUB=00000000-0000-0000-0000-000000000000
source "$(dirname "$0")/az/keyvault-script.sh" >/dev/null 2>&1

out() { cat "$CALLS/$1.out"; }
rc() { cat "$CALLS/$1.rc"; }
# call N WANTED_EXIT DESCRIPTION: the exit code of call N (and its stderr when it differs).
call() {
  if [[ $(rc "$1") == "$2" ]]; then ok "#$1 $3"; else bad "#$1 $3 (exit $(rc "$1"), wanted $2): $(head -c 300 "$CALLS/$1.err")"; fi
}
# is N WANTED DESCRIPTION: call N succeeded and printed exactly WANTED.
is() { call "$1" 0 "$3"; expect_eq "$(out "$1")" "$2" "#$1 $3: output"; }
ISO='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\+00:00$'

call 1 0 "secret set prints az's SecretBundle"
expect_eq "$(out 1 | jq -c 'keys')" '["attributes","contentType","id","kid","managed","name","tags","value"]' "#1 az's secret fields"
expect_eq "$(out 1 | jq -c '.attributes | keys')" '["created","enabled","expires","notBefore","recoverableDays","recoveryLevel","updated"]' "#1 az's attribute names"
expect_eq "$(out 1 | jq -r '.attributes.created' | grep -cE "$ISO")" "1" "#1 times are ISO-8601 with +00:00"
expect_eq "$(out 1 | jq -r '.name, .value, .attributes.expires')" $'db-password\nP@ss w0rd\nnull' "#1 name, value, null expires"
is 2 "P@ss w0rd" "--query value -o tsv prints the bare value"
call 3 0 "secret set --file --encoding --content-type --tags"
expect_eq "$(out 3 | jq -r '.contentType, .tags.env, .tags.team')" $'text/plain\nprod\nops' "#3 content type and tags"
call 4 0 "secret set --expires with --only-show-errors"
expect_eq "$(out 4 | jq -r .attributes.expires)" "2030-01-01T00:00:00+00:00" "#4 expires as az prints it"
is 5 "2030-01-01T00:00:00+00:00" "--query attributes.expires -o tsv"
call 6 0 "secret list --query [].name"
expect_eq "$(out 6 | sort)" $'api-key\ndb-password' "#6 one name a line"
is 7 "2" "list-versions --query length(@)"
call 8 0 "secret show --query id -o tsv"
expect_eq "$(out 8 | grep -cE '^https://main\.vault\.localhost/secrets/api-key/[0-9a-f]{32}$')" "1" "#8 a versioned id"
is 9 "second" "secret show --id <this server's URL>"
is 10 "P@ss w0rd" "secret show --id https://V.vault.azure.net/secrets/N"
call 11 0 "set-attributes --tags"
expect_eq "$(out 11 | jq -c .)" '{"owner":"me"}' "#11 tags replaced, -o json of the queried value"
is 12 "false" "set-attributes --id --enabled false: a boolean in tsv"
call 13 1 "show of a disabled version exits 1 (az: a service error)"
expect_contains "$CALLS/13.err" "^ERROR: (Forbidden)" "#13 az's error line"
call 14 3 "show of a missing secret exits 3 (az: ResourceNotFoundError)"
expect_contains "$CALLS/14.err" "^ERROR: (SecretNotFound)" "#14 Key Vault's code"
call 15 2 "a missing --name is a usage error: 2"
call 16 0 "secret backup --file (seed line, with --subscription)"
expect_eq "$(out 16)" "" "#16 backup to a file prints nothing, as az"
expect_eq "$([[ -s $WORK/d/db-password.blob ]] && echo yes)" "yes" "#16 blob written"
expect_contains "$CALLS/16.err" "subscription is ignored" "#16 one note for --subscription"
is 17 "https://main.vault.localhost/deletedsecrets/db-password" "secret delete --query recoveryId"
is 18 "db-password" "list-deleted"
is 19 "db-password" "show-deleted --id .../deletedsecrets/N"
is 20 "db-password" "recover"
is 21 "" "delete -o none prints nothing"
is 22 "" "purge"
is 23 "db-password" "secret restore (seed line)"
call 24 0 "[B] secret download"
expect_eq "$(cat "$WORK/d/db-password.txt" 2>/dev/null)" "P@ss w0rd" "#24 [B] downloaded value"
is 25 $'Name         Value    \n-----------  ---------\ndb-password  P@ss w0rd' "-o table: scalar fields, id left out"
is 26 $'db-password\tTrue' "multi-select hash in tsv: nested booleans as Python prints them"
is 27 $'a: \'1\'\nb: \'2\'\nfile-encoding: utf-8' "-o yaml (az's secret set adds the file-encoding tag)"

is 28 "RSA" "key create --kty RSA"
is 29 "P-256" "key create --kty EC --curve P-256"
is 30 "AQAB" "key bytes in standard base64"
call 31 0 "key list"
expect_eq "$(out 31 | sort)" $'ec-key\nrsa-key' "#31 names"
call 32 0 "key show --query key.kid"
expect_eq "$(out 32 | grep -cE '^https://main\.vault\.localhost/keys/rsa-key/[0-9a-f]{32}$')" "1" "#32 versioned kid"
is 33 "RSA-OAEP-256" "key encrypt answers az's fields"
call 34 0 "[B] key encrypt --id --data-type base64"
is 35 "aGVsbG8gd29ybGQ=" "[B] key decrypt --id gives the plaintext back in base64"
call 36 0 "key sign --digest (standard base64)"
is 37 "true" "[B] key verify --query isValid"
call 38 0 "key backup (seed line)"
is 39 "gold" "key set-attributes --id https://V.vault.azure.net/keys/N"
is 40 "rsa-key" "key delete"
is 41 "" "key purge"
is 42 "RSA" "key restore (seed line)"
call 43 2 "--id of another collection is a usage error"
expect_contains "$CALLS/43.err" "/keys/" "#43 names the collection wanted"
call 44 2 "--id with --vault-name/--name is a usage error"

call 45 0 "certificate get-default-policy"
expect_eq "$(jq -r .issuerParameters.name "$WORK/d/policy.json")" "Self" "#45 az's policy shape"
is 46 "completed" "certificate create (self-signed) --query status"
call 47 0 "certificate show"
expect_eq "$(out 47 | cut -c1-3)" "CN=" "#47 subject"
call 48 0 "certificate download"
expect_contains "$WORK/d/web-cert.pem" "BEGIN CERTIFICATE" "#48 PEM written"
is 49 "web-cert" "certificate list"
is 50 "" "certificate backup -o none"

is 51 "main" "keyvault show --name (vault group)"
call 52 0 "keyvault list --verbose"
expect_contains "$CALLS/52.out" "^main$" "#52 vault names"
expect_contains "$CALLS/52.err" "Command ran in" "#52 --verbose timing"
is 53 "api-key" "JMESPath functions; --debug"
expect_contains "$CALLS/53.err" "DEBUG: command: secret list" "#53 --debug names the command"
call 54 2 "a bad --query is a usage error"
expect_contains "$CALLS/54.err" "^ERROR: (BadParameter)" "#54 reported as az reports errors"
# A multi-select hash keeps the expression's order in tsv and table (knack's OrderedDict), not sorted keys.
is 55 $'api-key\tFalse' "multi-select hash in tsv: the expression's order"
is 56 $'Name     Enabled\n-------  -------\napi-key  False  ' "multi-select hash in table: the expression's order"
expect_eq "$(cat "$CALLS/n")" "56" "every line of the script ran"

# The detailed codes and the REST shape stay reachable.
expect_exit 7 "--exit-codes detailed: Disabled is 7" -- "$CV" keyvault secret show --id "$(out 8)" --exit-codes detailed
expect_exit 7 "COLDVAULT_EXIT_CODES=detailed" -- env COLDVAULT_EXIT_CODES=detailed "$CV" secret show --id "$(out 8)"
expect_exit 0 "--output-shape rest" -- "$CV" secret show --vault-name main --name db-password --output-shape rest
expect_eq "$(jq -r '.attributes.created | type' "$WORK/out")" "number" "REST shape: Unix times"
expect_exit 0 "COLDVAULT_OUTPUT_SHAPE=rest" -- env COLDVAULT_OUTPUT_SHAPE=rest "$CV" key show --vault-name main --name ec-key
expect_eq "$(jq -r '.key.key_ops | type' "$WORK/out")" "array" "REST shape: key_ops"
expect_exit 2 "a bad COLDVAULT_OUTPUT_SHAPE is refused" -- env COLDVAULT_OUTPUT_SHAPE=xml "$CV" secret list --vault-name main
expect_exit 0 "keyvault secret --help" -- "$CV" keyvault secret --help
expect_contains "$WORK/out" "set-attributes" "help of the aliased group"
expect_exit 0 "--id on a --help line" -- "$CV" keyvault key backup --help
expect_contains "$WORK/out" "\-\-id" "--id is in the help"
finish
