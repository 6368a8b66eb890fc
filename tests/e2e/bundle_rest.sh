#!/usr/bin/env bash
# Issue 14 part 4: whole-vault bundles over REST, shaped like Managed HSM's jobs. POST /backup answers 202
# with Azure-AsyncOperation, the job runs on its own thread and ends Succeeded with a bundle that verifies
# offline; one job at a time (409); PUT /restore into another vault, PUT /{keys,secrets}/{n}/restore of one
# object; bad folder names, unknown jobs, a tampered bundle, and the permissions each route needs.
# The first backup is held by the test build's --test-job-gate until the test creates the gate file, so
# "in progress" is seen without racing the job.
source "$(dirname "$0")/lib.bash"
trap 'stop_server; rm -rf "$WORK"' EXIT

if ! "$CV" --test-job-gate "$WORK/x" --help >/dev/null 2>&1; then
  bad "this coldvault was built without COLDVAULT_TEST_HOOKS (--test-job-gate)"; finish; exit 1
fi

expect_exit 0 "init" -- "$CV" init --vault-name main
for v in dst sel bad; do "$CV" vault create --vault-name "$v" -o none; done
for i in $(seq 1 20); do printf 'value-%s' "$i" | "$CV" secret set --vault-name main --name "s$i" --file - -o none; done
"$CV" key create --vault-name main --name k1 --kty RSA --size 2048 -o none
"$CV" key create --vault-name main --name k2 --kty EC -o none
"$CV" vault show --vault-name main >"$WORK/main.pem"
tok() { "$CV" token create --vault-name "$1" --permissions "$2" 2>/dev/null | jq -r .token; }
MAIN=$(tok main all); DST=$(tok dst all); SEL=$(tok sel all); BAD=$(tok bad all)
KEYS_ONLY=$(tok main keys/backup,keys/restore,secrets/all)
SEL_KEYS=$(tok sel keys/restore)

# call TOKEN METHOD VAULT PATH [BODY]: status in $STATUS, body in $WORK/body, headers in $WORK/headers
call() {
  local args=(-s --cacert "$CERT" -o "$WORK/body" -D "$WORK/headers" -w '%{http_code}' -X "$2"
    -H "Authorization: Bearer $1" --resolve "$3.vault.localhost:$PORT:127.0.0.1")
  if [[ $# -ge 5 ]]; then args+=(-H "Content-Type: application/json" --data "$5"); else args+=(-H "Content-Length: 0"); fi
  STATUS=$(curl "${args[@]}" "https://$3.vault.localhost:$PORT/$4?api-version=7.5")
}
header() { tr -d '\r' <"$WORK/headers" | sed -n "s/^$1: //Ip"; }
# poll TOKEN VAULT KIND ID: until the job is no longer InProgress (bounded by a count, not asserted on time)
poll() {
  for _ in $(seq 1 600); do
    call "$1" GET "$2" "$3/$4/pending"
    [[ $(jq -r .status "$WORK/body") != InProgress ]] && return
    sleep 0.1
  done
}

# --- Without --bundle-dir the routes say what is missing. ---
start_serve plain --vault-name main --listen 127.0.0.1:0 --purge-interval 0
call "$MAIN" POST main backup '{}'
expect_eq "$STATUS" "400" "no bundle folder: 400"
expect_contains "$WORK/body" "serve --bundle-dir" "the message names the flag"
stop_server

BUNDLES="$WORK/bundles"
start_serve serve --test-job-gate "$WORK/gate" --vault-name main --listen 127.0.0.1:0 --purge-interval 0 \
  --bundle-dir "$BUNDLES"
expect_eq "$(stat -c %a "$BUNDLES")" "700" "the bundle folder is made 0700"

# --- Backup: 202 at once, InProgress while held, one job at a time. ---
call "$MAIN" POST main backup '{"storageResourceUri":"","token":"ignored"}'
expect_eq "$STATUS" "202" "POST /backup is accepted: $(head -c 300 "$WORK/body")"
JOB=$(jq -r .jobId "$WORK/body")
expect_eq "$(jq -r .status "$WORK/body")" "InProgress" "the job is in progress"
expect_eq "$(header Azure-AsyncOperation)" "https://main.vault.localhost:$PORT/backup/$JOB/pending?api-version=7.5" \
  "Azure-AsyncOperation names the status URL on the request's origin"
expect_eq "$(header Retry-After)" "1" "Retry-After: 1"
URI=$(jq -r .azureStorageBlobContainerUri "$WORK/body")
NAME=${URI##*/}
expect_eq "$URI" "file://$BUNDLES/$NAME" "the container URI is the bundle folder's, with the file name last"
[[ $NAME =~ ^main-[0-9]{14}-${JOB:0:8}\.cvb$ ]] && ok "file name <vault>-<UTC stamp>-<job>.cvb" || bad "file name: $NAME"
call "$MAIN" GET main "backup/$JOB/pending"
expect_eq "$(jq -r '.status + " " + (.endTime|tostring) + " " + (.error|tostring)' "$WORK/body")" "InProgress null null" \
  "GET pending while held"
call "$MAIN" POST main backup '{}'
expect_eq "$STATUS" "409" "a second backup while one runs is Conflict"
expect_contains "$WORK/body" "$JOB" "the refusal names the running job"
expect_eq "$(jq -r .error.code "$WORK/body")" "Conflict" "in Key Vault's envelope"
call "$DST" PUT dst restore "{\"folderToRestore\":\"$NAME\"}"
expect_eq "$STATUS" "404" "restore of a bundle not written yet: 404 (missing file, checked first)"
call "$MAIN" GET main "backup/$JOB/pending"
expect_eq "$STATUS" "200" "the server answers other requests while a job runs"
call "$DST" GET dst "backup/$JOB/pending"
expect_eq "$STATUS" "404" "another vault does not see the job"
call "$KEYS_ONLY" GET main "backup/$JOB/pending"
expect_eq "$STATUS" "403" "reading a backup job needs backup on every collection"
call "$KEYS_ONLY" POST main backup '{}'
expect_eq "$STATUS" "403" "so does starting one"
expect_contains "$WORK/body" "certificates backup" "the 403 names the missing permission"

touch "$WORK/gate"
poll "$MAIN" main backup "$JOB"
expect_eq "$(jq -r .status "$WORK/body")" "Succeeded" "the backup succeeds: $(head -c 300 "$WORK/body")"
expect_eq "$(jq -r '(.endTime|type) + " " + (.error|tostring)' "$WORK/body")" "number null" "endTime set, no error"
expect_eq "$(jq -r .counts.secrets "$WORK/body")" "20" "counts of the bundle"
expect_exit 0 "the bundle file verifies offline" -- "$CV" bundle verify "$BUNDLES/$NAME" --trust "$WORK/main.pem"
call "$MAIN" POST main backup '{"storageResourceUri":"https://acct.blob.core.windows.net/backups/"}'
expect_eq "$STATUS" "202" "a second backup once the first finished"
JOB2=$(jq -r .jobId "$WORK/body")
expect_eq "$(jq -r .azureStorageBlobContainerUri "$WORK/body" | sed 's|/[^/]*$||')" \
  "https://acct.blob.core.windows.net/backups" "a given storageResourceUri is echoed as the container"
poll "$MAIN" main backup "$JOB2"
expect_eq "$(jq -r .status "$WORK/body")" "Succeeded" "second backup succeeds"

# --- Restore: whole vault into another, then one object at a time. ---
call "$DST" PUT dst restore \
  "{\"sasTokenParameters\":{\"storageResourceUri\":\"file://$BUNDLES\",\"token\":\"\"},\"folderToRestore\":\"$NAME\"}"
expect_eq "$STATUS" "202" "PUT /restore is accepted: $(head -c 300 "$WORK/body")"
RJOB=$(jq -r .jobId "$WORK/body")
expect_eq "$(header Azure-AsyncOperation)" "https://dst.vault.localhost:$PORT/restore/$RJOB/pending?api-version=7.5" \
  "Azure-AsyncOperation of the restore"
poll "$DST" dst restore "$RJOB"
expect_eq "$(jq -r .status "$WORK/body")" "Succeeded" "the restore succeeds: $(head -c 300 "$WORK/body")"
call "$DST" GET dst secrets/s7/
expect_eq "$(jq -r .value "$WORK/body")" "value-7" "the secrets are in the other vault"
call "$DST" GET dst keys/k2/
expect_eq "$(jq -r .key.kty "$WORK/body")" "EC" "and the keys"

call "$SEL_KEYS" PUT sel restore "{\"folderToRestore\":\"$NAME\"}"
expect_eq "$STATUS" "403" "a whole restore needs restore on every collection"
call "$SEL_KEYS" PUT sel keys/k1/restore "{\"folder\":\"$NAME\"}"
expect_eq "$STATUS" "202" "PUT /keys/{name}/restore with keys/restore only"
SJOB=$(jq -r .jobId "$WORK/body")
poll "$SEL_KEYS" sel restore "$SJOB"
expect_eq "$(jq -r .status "$WORK/body")" "Succeeded" "the selective key restore succeeds: $(head -c 300 "$WORK/body")"
call "$SEL" GET sel keys/k1/
expect_eq "$STATUS" "200" "the key is there"
call "$SEL" GET sel secrets/s1/
expect_eq "$STATUS" "404" "and nothing else"
call "$SEL" PUT sel secrets/s3/restore "{\"folder\":\"$NAME\"}"
SJOB2=$(jq -r .jobId "$WORK/body")
poll "$SEL" sel restore "$SJOB2"
call "$SEL" GET sel secrets/s3/
expect_eq "$(jq -r .value "$WORK/body")" "value-3" "PUT /secrets/{name}/restore brings one secret"
call "$SEL" PUT sel keys/nosuch/restore "{\"folder\":\"$NAME\"}"
SJOB3=$(jq -r .jobId "$WORK/body")
poll "$SEL" sel restore "$SJOB3"
expect_eq "$(jq -r '.status + " " + .error.code' "$WORK/body")" "Failed NotFound" "a name not in the bundle fails the job"
call "$SEL" POST sel keys/restore '{"value":"AAAA"}'
expect_eq "$STATUS" "400" "POST /keys/restore is still the per-object blob restore"

# --- Refusals. ---
for f in "../x" "a/b" "" ".." "..$NAME"; do
  call "$BAD" PUT bad restore "{\"folderToRestore\":\"$f\"}"
  expect_eq "$STATUS" "400" "folderToRestore '$f' is refused"
done
call "$BAD" PUT bad restore '{}'
expect_eq "$STATUS" "400" "folderToRestore is required"
call "$BAD" PUT bad restore '{"folderToRestore":"nope.cvb"}'
expect_eq "$STATUS" "404" "a missing bundle file is 404"
call "$MAIN" GET main backup/0123456789abcdef0123456789abcdef/pending
expect_eq "$STATUS" "404" "unknown backup job"
call "$MAIN" GET main "restore/$JOB/pending"
expect_eq "$STATUS" "404" "a backup job is not a restore job"

# A tampered bundle: one byte of the first body chunk flipped (offset 16 + header_len + 40).
cp "$BUNDLES/$NAME" "$BUNDLES/tampered.cvb"
HLEN=$(od -An -tu1 -j12 -N4 "$BUNDLES/$NAME" | awk '{print $1*16777216 + $2*65536 + $3*256 + $4}')
OFF=$((16 + HLEN + 40))
BYTE=$(od -An -tu1 -j"$OFF" -N1 "$BUNDLES/$NAME" | tr -d ' ')
printf "$(printf '\\%03o' $((BYTE ^ 1)))" | dd of="$BUNDLES/tampered.cvb" bs=1 seek="$OFF" conv=notrunc status=none
expect_ne "$(cmp "$BUNDLES/$NAME" "$BUNDLES/tampered.cvb" | wc -l)" "0" "the copy differs"
call "$BAD" PUT bad restore '{"folderToRestore":"tampered.cvb"}'
TJOB=$(jq -r .jobId "$WORK/body")
poll "$BAD" bad restore "$TJOB"
expect_eq "$(jq -r '.status + " " + .error.code' "$WORK/body")" "Failed BadParameter" "a tampered bundle fails with BadParameter"
expect_ne "$(jq -r .statusDetails "$WORK/body")" "null" "statusDetails says why"
call "$BAD" GET bad secrets
expect_eq "$(jq -r '.value | length' "$WORK/body")" "0" "and the vault is unchanged"

stop_server
expect_contains "$WORK/serve.err" " 0 server errors" "no request was answered with a 5xx"

# --- Shutdown waits for a job in progress: SIGTERM while a backup is held, then open the gate. ---
start_serve again --test-job-gate "$WORK/gate2" --vault-name main --listen 127.0.0.1:0 --purge-interval 0 \
  --bundle-dir "$BUNDLES"
call "$MAIN" POST main backup '{}'
NAME3=$(jq -r .file "$WORK/body")
kill -TERM "$SERVER_PID"
touch "$WORK/gate2"
wait "$SERVER_PID"
SERVER_PID=""
expect_exit 0 "the bundle of the job running at shutdown is complete" -- \
  "$CV" bundle verify "$BUNDLES/$NAME3" --trust "$WORK/main.pem"
expect_contains "$WORK/again.err" "stopped; 0 server errors" "and the server stopped cleanly"
# Each job has its own audit record once it ends (the request's was written with the 202), naming the bundle.
"$CV" audit list --last 500 >"$WORK/audit.json"
expect_ne "$(jq '[.[] | select(.operation == "FullBackup" and (.requestId | test("job")) and .outcome == "success"
  and (.sha256 | length) == 64)] | length' "$WORK/audit.json")" "0" "a finished backup job is an audit record with the bundle's digest"
expect_ne "$(jq '[.[] | select(.operation == "FullRestoreOperation" and (.requestId | test("job")))] | length' "$WORK/audit.json")" "0" \
  "a restore job is an audit record"
expect_ne "$(jq '[.[] | select(.requestId != null and (.requestId | test("job")) and .outcome == "refused")] | length' "$WORK/audit.json")" "0" \
  "a failed job (the tampered bundle) is recorded as refused"
finish
