#!/usr/bin/env bash
# Issue 15: the audit log. Every CLI verb and REST request is one record (success and refusal), never a
# secret, PIN or token (canary scan of the database, its WAL, exports and the server's log); a change and
# its record commit together, and a blocked audit table refuses the operation and changes nothing; exports
# verify offline with coldvault and with an independent verifier (tests/tools/audit_independent.py); edited,
# removed, reordered, truncated and foreign-signed inputs, and a rolled-back catalogue, are each named.
source "$(dirname "$0")/lib.bash"
trap 'stop_server; rm -rf "$WORK"' EXIT
INDEP="$(cd "$(dirname "$0")/../tools" && pwd)/audit_independent.py"
DB="$COLDVAULT_HOME/catalog.db"
CANARY="canary-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
sql() { sqlite3 -cmd ".timeout 5000" "$DB" "$@"; }
last() { "$CV" audit list --last "${1:-1}" 2>/dev/null; }

expect_exit 0 "init" -- "$CV" init --vault-name main
printf '%s' "$CANARY" | "$CV" secret set --vault-name main --name s1 --file - -o none
expect_exit 0 "secret show" -- "$CV" secret show --vault-name main --name s1
expect_eq "$(jq -r .value "$WORK/out")" "$CANARY" "the secret reads back"
expect_eq "$(last | jq -r '.[0].operation + " " + .[0].outcome + " " + (.[0].status|tostring)')" "GetSecret success 0" \
  "a read is recorded with its outcome"
expect_exit 3 "a missing secret is refused" -- "$CV" secret show --vault-name main --name nope
R=$(last | jq -c '.[0]')
expect_eq "$(jq -r '.operation + " " + .outcome + " " + .error + " " + .name' <<<"$R")" "GetSecret refused SecretNotFound nope" \
  "a refusal is recorded with Key Vault's error code"
expect_eq "$(jq -r .actor <<<"$R")" "local:$(id -un)($(id -u))" "the CLI's actor is the local user"
"$CV" key create --vault-name main --name k1 --kty EC -o none
"$CV" key sign --vault-name main --name k1 --algorithm ES256 --digest "$(head -c 32 /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d =)" -o none
expect_eq "$(last 2 | jq -r '[.[].operation] | join(",")')" "CreateKey,Sign" "key create and sign are recorded by their Key Vault names"
"$CV" secret delete --vault-name main --name s1 -o none
"$CV" secret recover --vault-name main --name s1 -o none
expect_eq "$(last 2 | jq -r '[.[].operation] | join(",")')" "DeleteSecret,RecoverDeletedSecret" "delete and recover are recorded"
TOKEN=$("$CV" token create --vault-name main --permissions all 2>/dev/null | jq -r .token)

# --- REST: every request, with request id, actor, client address and api-version; refusals too. ---
start_serve serve --vault-name main --listen 127.0.0.1:0 --purge-interval 0
call() {
  local args=(-s --cacert "$CERT" -o "$WORK/body" -D "$WORK/headers" -w '%{http_code}' -X "$2"
    -H "Authorization: Bearer $1" --resolve "main.vault.localhost:$PORT:127.0.0.1")
  if [[ $# -ge 4 ]]; then args+=(-H "Content-Type: application/json" --data "$4"); fi
  STATUS=$(curl "${args[@]}" "https://main.vault.localhost:$PORT/$3?api-version=7.5")
}
call "$TOKEN" GET secrets/s1
expect_eq "$STATUS" "200" "GET secret over REST"
RID=$(tr -d '\r' <"$WORK/headers" | sed -n 's/^x-ms-request-id: //Ip')
call "wrong-token" GET secrets/s1
expect_eq "$STATUS" "401" "a bad token is refused"
call "$TOKEN" PUT secrets/s2 "{\"value\":\"$CANARY-rest\"}"
expect_eq "$STATUS" "200" "PUT secret over REST"
REC=$(last 3)
expect_eq "$(jq -r '.[0] | .operation + " " + .outcome + " " + (.status|tostring) + " " + .apiVersion' <<<"$REC")" \
  "GetSecret success 200 7.5" "the REST read is recorded with status and api-version"
expect_eq "$(jq -r '.[0].requestId' <<<"$REC")" "$RID" "the record names the x-ms-request-id the answer carried"
[[ $RID =~ ^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ ]] && ok "which is a GUID" || bad "request id '$RID' is not a GUID"
expect_eq "$(jq -r '.[0].actor' <<<"$REC")" "token:$("$CV" token list --vault-name main 2>/dev/null | jq -r '.[0].id')" \
  "the REST actor is the token's id, never the token"
expect_eq "$(jq -r '.[0].client' <<<"$REC" | cut -d: -f1)" "127.0.0.1" "the client address is recorded"
expect_eq "$(jq -r '.[1] | .outcome + " " + (.status|tostring) + " " + .error' <<<"$REC")" "refused 401 Unauthorized" \
  "the unauthenticated request is recorded as refused"
expect_eq "$(jq -r '.[2] | .operation + " " + .outcome' <<<"$REC")" "SetSecret success" "the REST write is recorded"

# --- Fail closed: with the audit table unwritable nothing is answered and nothing changes. ---
sql "CREATE TRIGGER block_audit BEFORE INSERT ON audit_records BEGIN SELECT RAISE(ABORT, 'audit blocked by the test'); END;"
call "$TOKEN" GET secrets/s1
expect_eq "$STATUS" "503" "REST: a read whose record cannot be written is not answered"
if grep -q "$CANARY" "$WORK/body"; then bad "the 503 carries the secret value"; else ok "the 503 carries no value"; fi
call "$TOKEN" PUT secrets/s3 '{"value":"never"}'
expect_eq "${STATUS:0:1}" "5" "REST: a write whose record cannot be written fails ($STATUS)"
stop_server
printf 'blocked' | "$CV" secret set --vault-name main --name s4 --file - -o none 2>"$WORK/err"
expect_ne "$?" "0" "CLI: a write whose record cannot be written fails"
"$CV" secret show --vault-name main --name s1 >"$WORK/out" 2>"$WORK/err"
expect_ne "$?" "0" "CLI: a read whose record cannot be written fails"
if grep -q "$CANARY" "$WORK/out"; then bad "the refused read printed the value"; else ok "the refused read printed nothing"; fi
sql "DROP TRIGGER block_audit;"
expect_exit 3 "nothing was written while the log was blocked (s3)" -- "$CV" secret show --vault-name main --name s3
expect_exit 3 "nothing was written while the log was blocked (s4)" -- "$CV" secret show --vault-name main --name s4

# --- Export and verify: coldvault and the independent verifier agree. ---
"$CV" audit key | jq -r .certificate >"$WORK/audit.pem"
expect_exit 0 "audit export" -- "$CV" audit export --dir "$WORK/ex1"
N=$(jq -r .records "$WORK/out")
expect_exit 0 "audit verify: valid" -- "$CV" audit verify "$WORK/ex1" --trust "$WORK/audit.pem"
expect_eq "$(jq -r .verdict "$WORK/out") $(jq -r .records "$WORK/out")" "valid $N" "the verdict counts every record"
expect_exit 0 "the independent verifier agrees" -- python3 "$INDEP" "$WORK/ex1" --trust "$WORK/audit.pem"
expect_exit 4 "an existing folder is never overwritten (Conflict)" -- "$CV" audit export --dir "$WORK/ex1"
expect_contains "$WORK/ex1/checkpoint-to.note" "— coldvault.local/audit/" "the checkpoint is a signed note"
# the by-hand check of docs/audit.md: openssl verifies the note's signature with the pinned certificate
awk 'BEGIN{RS="\n\n";ORS=""} NR==1{print $0 "\n"}' "$WORK/ex1/checkpoint-to.note" >"$WORK/text"
sed -n 's/^— [^ ]* //p' "$WORK/ex1/checkpoint-to.note" | base64 -d | tail -c +5 >"$WORK/sig.der"
openssl x509 -in "$WORK/audit.pem" -pubkey -noout >"$WORK/pub.pem"
expect_exit 0 "openssl verifies the checkpoint by hand" -- openssl dgst -sha256 -verify "$WORK/pub.pem" -signature "$WORK/sig.der" "$WORK/text"

# --- A bundle's creation signs a checkpoint that covers the log up to it. ---
expect_exit 0 "backup start" -- "$CV" backup start --vault-name main --file "$WORK/main.cvb" --no-progress
CP=$(jq -r .auditCheckpoint "$WORK/out")
R=$(last)
expect_eq "$(jq -r '.[0].operation + " " + (.[0].seq|tostring)' <<<"$R")" "FullBackup $CP" \
  "the bundle's checkpoint covers every record before the backup's own"
expect_eq "$(jq -r '.[0].sha256' <<<"$R")" "$(jq -r .manifestSha256 "$WORK/out")" "the backup's record names the bundle's manifest digest"
"$CV" secret backup --vault-name main --name s1 --file "$WORK/s1.blob" -o none
expect_eq "$(last | jq -r '.[0] | .operation + " " + .sha256')" "BackupSecret $("$CV" catalog blobs 2>/dev/null | jq -r 'map(select(.event=="backup" and .name=="s1")) | first | .sha256')" \
  "a blob backup's record names the blob's SHA-256, as its lineage does"
expect_exit 0 "the independent verifier's own self-test" -- python3 "$INDEP" --self-test

# --- Canary scan: no secret value, token or PIN in the database, its WAL, the export or the logs. ---
for f in "$DB" "$DB-wal" "$WORK"/ex1/* "$WORK/serve.out" "$WORK/serve.err"; do
  [[ -f $f ]] || continue
  if grep -aqF -e "$CANARY" -e "$TOKEN" "$f"; then bad "$(basename "$f") holds a secret value or the token"; else ok "$(basename "$f") holds no canary"; fi
done

# --- Tampered exports: each named by coldvault and refused by the independent verifier. ---
tamper() {  # NAME CHECK SCRIPT: copies ex1, runs SCRIPT in it, expects CHECK
  rm -rf "$WORK/t"; cp -r "$WORK/ex1" "$WORK/t"; (cd "$WORK/t" && eval "$3")
  "$CV" audit verify "$WORK/t" --trust "$WORK/audit.pem" >"$WORK/out" 2>"$WORK/err"
  local rc=$?
  expect_eq "$rc $(jq -r .check "$WORK/out")" "8 $2" "$1: refused as '$2'"
  python3 "$INDEP" "$WORK/t" --trust "$WORK/audit.pem" >"$WORK/indep" 2>&1
  expect_eq "$?" "1" "$1: the independent verifier refuses it too ($(jq -r .check "$WORK/indep" 2>/dev/null))"
}
tamper "an edited record (narrowed to a window by the checkpoint serve signed at shutdown)" window 'sed -i "3s/\"v\":1/\"v\":2/" records.jsonl'
tamper "an edited record (canonical form broken)" canonical 'sed -i "2s/\"v\":1/\"v\": 1/" records.jsonl'
tamper "a removed record" seq 'sed -i "4d" records.jsonl'
tamper "an inserted record (a copy of another)" seq 'sed -i "4p" records.jsonl'
tamper "two records swapped" seq 'awk "NR==5{l=\$0; next} NR==6{print; print l; next} {print}" records.jsonl > r && mv r records.jsonl'
tamper "a truncated export" root 'head -n -1 records.jsonl > r && mv r records.jsonl'
tamper "a bad consistency proof" consistency 'jq -c ".proof = [\"$(head -c 32 /dev/urandom | base64 -w0)\"]" consistency.json > c && mv c consistency.json'

# A second home: its checkpoint is signed by another key.
OTHER="$WORK/other"
COLDVAULT_HOME="$OTHER" "$CV" init --vault-name othr >/dev/null 2>&1
COLDVAULT_HOME="$OTHER" "$CV" audit export --dir "$WORK/ex-other" >/dev/null 2>&1
tamper "a checkpoint signed by another key" signature "cp '$WORK/ex-other/checkpoint-to.note' checkpoint-to.note"

# --- Tampering in the catalogue: a checkpoint is never signed over an edited, removed or reordered log. ---
cp "$DB" "$WORK/good.db"; sqlite3 "$DB" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null; cp "$DB" "$WORK/good.db"
sql "UPDATE audit_records SET record = replace(record, '\"v\":1', '\"v\":2') WHERE seq = 3;"
expect_exit 8 "a record edited in SQLite: no checkpoint is signed" -- "$CV" audit checkpoint
expect_contains "$WORK/err" "no longer matches its signed checkpoint" "the refusal says the log no longer matches"
cp "$WORK/good.db" "$DB"; rm -f "$DB-wal" "$DB-shm"
sql "DELETE FROM audit_records WHERE seq = 2;"
expect_exit 8 "a record removed in SQLite is detected" -- "$CV" audit export --dir "$WORK/ex-bad"
cp "$WORK/good.db" "$DB"; rm -f "$DB-wal" "$DB-shm"
sql "UPDATE audit_records SET record = (SELECT record FROM audit_records WHERE seq = 5) WHERE seq = 4;"
expect_exit 8 "records reordered in SQLite are detected" -- "$CV" audit checkpoint
cp "$WORK/good.db" "$DB"; rm -f "$DB-wal" "$DB-shm"
sql "INSERT INTO audit_records(seq, record, leaf) SELECT size, '{\"forged\":1}', zeroblob(32) FROM audit_state;"
expect_exit 8 "a record inserted in SQLite is detected" -- "$CV" audit checkpoint
expect_contains "$WORK/err" "inserted in the catalogue" "... and named as an insertion"
cp "$WORK/good.db" "$DB"; rm -f "$DB-wal" "$DB-shm"
expect_exit 0 "the untouched catalogue checkpoints again" -- "$CV" audit checkpoint

# --- Disk full while appending: the change and its record fail together; the log still verifies. ---
# A copy of the home on a full tmpfs, in a mount namespace of its own (as the opencryptoki fixture does).
sqlite3 "$DB" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
cat >"$WORK/full.sh" <<EOF
set -u
mkdir -p "$WORK/mnt" && mount -t tmpfs -o size=8m tmpfs "$WORK/mnt" || exit 77
cp -r "$COLDVAULT_HOME" "$WORK/mnt/h" && export COLDVAULT_HOME="$WORK/mnt/h"
sed -i "s#^directories.tokendir = .*#directories.tokendir = $WORK/mnt/h/tokens#" "$WORK/mnt/h/softhsm2.conf"
dd if=/dev/zero of="$WORK/mnt/filler" bs=4k 2>/dev/null
printf 'x' | "$CV" secret set --vault-name main --name full-x --file - -o none 2>"$WORK/full.err"; echo "set=\$?"
rm -f "$WORK/mnt/filler"
"$CV" secret show --vault-name main --name full-x -o none 2>/dev/null; echo "show=\$?"
"$CV" audit export --dir "$WORK/ex-full" >/dev/null 2>&1; echo "export=\$?"
"$CV" audit verify "$WORK/ex-full" --trust "$WORK/audit.pem" >/dev/null 2>&1; echo "verify=\$?"
EOF
unshare -m bash "$WORK/full.sh" >"$WORK/full.out" 2>&1
expect_contains "$WORK/full.out" "^set=13" "disk full: the secret set is refused as StorageFailure ($(head -n1 "$WORK/full.err" 2>/dev/null | cut -c1-90))"
expect_contains "$WORK/full.err" "is full: free space and retry; nothing was changed" "disk full: the message names the full disk and what to do"
expect_contains "$WORK/full.out" "^show=3" "disk full: nothing of the refused change is there once space is back"
expect_contains "$WORK/full.out" "^verify=0" "disk full: the log still exports and verifies"

# --- Rollback: the auditor keeps a checkpoint; a catalogue restored from before it is named. ---
sqlite3 "$DB" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null; cp "$DB" "$WORK/old.db"
for i in 1 2 3; do printf 'v%s' "$i" | "$CV" secret set --vault-name main --name "r$i" --file - -o none; done
"$CV" audit checkpoint | jq -j .note >"$WORK/kept.note"
expect_exit 0 "an export verifies against the kept checkpoint" -- "$CV" audit export --dir "$WORK/ex2"
expect_exit 0 "... with --known" -- "$CV" audit verify "$WORK/ex2" --trust "$WORK/audit.pem" --known "$WORK/kept.note"
cp "$WORK/old.db" "$DB"; rm -f "$DB-wal" "$DB-shm"
expect_exit 0 "an export of the rolled-back catalogue" -- "$CV" audit export --dir "$WORK/ex3"
expect_exit 8 "the rollback is named" -- "$CV" audit verify "$WORK/ex3" --trust "$WORK/audit.pem" --known "$WORK/kept.note"
expect_eq "$(jq -r .check "$WORK/out")" "rollback" "... as a rollback"
python3 "$INDEP" "$WORK/ex3" --trust "$WORK/audit.pem" --known "$WORK/kept.note" >"$WORK/indep" 2>&1
expect_eq "$? $(jq -r .check "$WORK/indep")" "1 rollback" "the independent verifier names it too"
finish
