#!/usr/bin/env bash
# Restore trusts only the domain's signers (issue 11): blobs forged from public data only (the domain public
# key + a self-made certificate) are refused and change nothing; the registry (`domain trust`) is the only
# gate; its rows and every key row are authenticated by the token, so edits in SQLite are Corruption.
source "$(dirname "$0")/lib.bash"
FORGE=${FORGE_BLOB:?FORGE_BLOB must name the forge_blob test tool}
DB="$COLDVAULT_HOME/catalog.db"

expect_exit 0 "init" -- "$CV" init --vault-name main
expect_exit 0 "second vault" -- "$CV" vault create --vault-name dst
printf 'genuine' | "$CV" secret set --vault-name main --name app --file - -o none
expect_exit 0 "genuine backup" -- "$CV" secret backup --vault-name main --name app --file "$WORK/app.blob"
expect_exit 0 "genuine restore into another vault" -- "$CV" secret restore --vault-name dst --file "$WORK/app.blob"

expect_exit 0 "registry lists the vaults' own signers" -- "$CV" domain trust list
expect_eq "$(jq -r '[.[] | select(.kind == "vault") | .label] | sort | join(",")' "$WORK/out")" "dst,main" \
  "both vaults registered at creation"
MAIN_SHA=$(jq -r '.[] | select(.label == "main") | .sha256' "$WORK/out")

# --- The attacker: public data only. ---
"$CV" domain show -o pem >"$WORK/domain.pem"
KID=$("$CV" domain show | jq -r .kid)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/evil.key" \
  -out "$WORK/evil.pem" -days 30 -subj "/CN=coldvault vault main" 2>/dev/null
EVIL_SHA=$(openssl x509 -in "$WORK/evil.pem" -outform DER | sha256sum | cut -d' ' -f1)
forge() { "$FORGE" secret --domain-pub "$WORK/domain.pem" --kid "$KID" --key "$WORK/evil.key" "$@"; }

expect_exit 0 "forge a blob (JWE to the domain key, JWS by a self-made certificate)" -- \
  forge --cert "$WORK/evil.pem" --name injected --value attacker --out "$WORK/forged.blob"
expect_exit 0 "the forged blob is well-formed" -- "$CV" blob inspect "$WORK/forged.blob"
expect_exit 2 "restore refuses the forged blob" -- "$CV" secret restore --vault-name main --file "$WORK/forged.blob"
expect_contains "$WORK/err" "not trusted by security domain $KID" "refusal names the domain"
expect_contains "$WORK/err" "$EVIL_SHA" "refusal names the signer's SHA-256"
expect_contains "$WORK/err" "CN=coldvault vault main" "refusal names the signer's subject"
expect_exit 3 "nothing written" -- "$CV" secret show --vault-name main --name injected
expect_exit 0 "lineage" -- "$CV" catalog blobs
expect_eq "$(jq -r '.[0].outcome + " " + .[0].signer + " " + .[0].name' "$WORK/out")" "BadParameter $EVIL_SHA injected" \
  "the refusal is in the lineage with the forger's signer"

expect_exit 0 "re-sign a genuine blob's JWE with the forger's key" -- \
  "$FORGE" resign --blob "$WORK/app.blob" --key "$WORK/evil.key" --cert "$WORK/evil.pem" --out "$WORK/resigned.blob"
"$CV" secret delete --vault-name dst --name app -o none && "$CV" secret purge --vault-name dst --name app
expect_exit 2 "re-signed genuine blob refused" -- "$CV" secret restore --vault-name dst --file "$WORK/resigned.blob"
expect_contains "$WORK/err" "manifest names another signer" "the manifest pins the real signer"
expect_exit 3 "nothing written" -- "$CV" secret show --vault-name dst --name app

expect_exit 0 "forge with the vault's fingerprint in the manifest" -- \
  forge --cert "$WORK/evil.pem" --name injected --value attacker --manifest-signer "$MAIN_SHA" --out "$WORK/lying.blob"
expect_exit 2 "manifest/JWS signer mismatch refused" -- "$CV" secret restore --vault-name main --file "$WORK/lying.blob"
expect_contains "$WORK/err" "manifest names another signer" "mismatch named"

# --- Offline verify against the home's registry. ---
expect_exit 0 "blob verify without --trust uses the registry" -- "$CV" blob verify "$WORK/app.blob"
expect_eq "$(jq -r '.anchor.source + " " + .anchor.kind + " " + .anchor.label' "$WORK/out")" "registry vault main" \
  "verify says which anchor it used"
expect_exit 8 "forged blob invalid against the registry" -- "$CV" blob verify "$WORK/forged.blob"
expect_eq "$(jq -r .verdict "$WORK/out")" "invalid" "verdict invalid"
expect_exit 8 "forged blob invalid against the vault's certificate" -- \
  "$CV" blob verify "$WORK/forged.blob" --trust <("$CV" vault show --vault-name main)

# --- The operator decides: trusting the certificate is the one way in. ---
expect_exit 0 "trust the forger's certificate on purpose" -- \
  "$CV" domain trust add --cert "$WORK/evil.pem" --label lab
expect_eq "$(jq -r '.kind + " " + .label + " " + .sha256' "$WORK/out")" "operator lab $EVIL_SHA" "operator entry"
expect_exit 4 "adding it twice is Conflict" -- "$CV" domain trust add --cert "$WORK/evil.pem"
expect_exit 0 "now the blob restores" -- "$CV" secret restore --vault-name main --file "$WORK/forged.blob"
expect_exit 0 "restored value" -- "$CV" secret show --vault-name main --name injected
expect_eq "$(jq -r .value "$WORK/out")" "attacker" "the registry was the only gate"
"$CV" secret delete --vault-name main --name injected -o none && "$CV" secret purge --vault-name main --name injected
expect_exit 0 "remove the operator entry" -- "$CV" domain trust remove --sha256 "${EVIL_SHA:0:12}"
expect_exit 2 "refused again" -- "$CV" secret restore --vault-name main --file "$WORK/forged.blob"
expect_exit 5 "a vault's own signer cannot be removed" -- "$CV" domain trust remove --sha256 "$MAIN_SHA"
expect_exit 3 "removing an unknown entry" -- "$CV" domain trust remove --sha256 00000000aaaa
expect_exit 2 "a file that is no certificate" -- "$CV" domain trust add --cert "$WORK/domain.pem"

# --- A CA: every certificate it issues is trusted. ---
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/ca.key" -out "$WORK/ca.pem" \
  -days 30 -subj "/CN=site backup CA" -addext basicConstraints=critical,CA:TRUE \
  -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/leaf.key" -out "$WORK/leaf.csr" \
  -subj "/CN=site signer" 2>/dev/null
openssl x509 -req -in "$WORK/leaf.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" -CAcreateserial -days 10 \
  -out "$WORK/leaf.pem" 2>/dev/null
"$FORGE" secret --domain-pub "$WORK/domain.pem" --kid "$KID" --key "$WORK/leaf.key" --cert "$WORK/leaf.pem" \
  --chain "$WORK/ca.pem" --name issued --value from-ca --out "$WORK/issued.blob"
expect_exit 2 "a CA-issued signer is refused while the CA is unknown" -- \
  "$CV" secret restore --vault-name main --file "$WORK/issued.blob"
expect_exit 0 "trust the CA" -- "$CV" domain trust add --cert "$WORK/ca.pem" --label site-ca
expect_eq "$(jq -r .ca "$WORK/out")" "true" "recorded as a CA"
expect_exit 0 "a blob signed under the CA restores" -- "$CV" secret restore --vault-name main --file "$WORK/issued.blob"

# --- The registry is authenticated by the token. ---
sqlite3 "$DB" "UPDATE trusted_signers SET label='renamed' WHERE label='site-ca'"
expect_exit 8 "an edited registry row is Corruption" -- "$CV" domain trust list
expect_contains "$WORK/err" "fails its integrity check" "integrity failure named"
# Restore checks the entry it relies on (ADR 0027): a blob issued under the edited CA entry is refused as
# Corruption and writes nothing; one signed by an intact entry still restores.
expect_exit 8 "restore relying on the edited entry refuses" -- \
  "$CV" secret restore --vault-name dst --file "$WORK/issued.blob"
expect_contains "$WORK/err" "fails its integrity check" "the edited entry named"
expect_exit 3 "nothing written" -- "$CV" secret show --vault-name dst --name issued
expect_exit 0 "restore relying on an intact entry goes through" -- \
  "$CV" secret restore --vault-name dst --file "$WORK/app.blob"
"$CV" secret delete --vault-name dst --name app -o none && "$CV" secret purge --vault-name dst --name app
sqlite3 "$DB" "DELETE FROM trusted_signers WHERE label='renamed'"
expect_exit 0 "deleting a row only removes trust" -- "$CV" domain trust list
# A row for the forger's certificate, carrying an authenticator copied from a genuine row.
sqlite3 "$DB" "INSERT INTO trusted_signers SELECT domain_kid, '$EVIL_SHA', cert, subject, 'operator', 'planted', 0, added, auth FROM trusted_signers LIMIT 1"
expect_exit 8 "a planted registry row is Corruption" -- "$CV" secret restore --vault-name main --file "$WORK/forged.blob"
sqlite3 "$DB" "DELETE FROM trusted_signers WHERE label='planted'"

# --- Key rows are bound to vault, name and version. ---
"$CV" key create --vault-name main --name k1 --kty EC --curve P-256 -o none
"$CV" key create --vault-name main --name k2 --kty EC --curve P-256 -o none
expect_exit 0 "key show before tampering" -- "$CV" key show --vault-name main --name k1
row() { echo "(SELECT v.rowid FROM versions v JOIN objects o ON o.id=v.object_id WHERE o.name='$1' AND o.type='key')"; }
sqlite3 "$DB" "UPDATE versions SET meta=replace(meta, '\"sign\"', '\"sign\",\"encrypt\"') WHERE rowid=$(row k1)"
expect_exit 8 "edited key_ops refused" -- "$CV" key show --vault-name main --name k1
expect_contains "$WORK/err" "key row main/k1/" "the row is named"
expect_exit 8 "edited key not usable" -- "$CV" key sign --vault-name main --name k1 --algorithm ES256 \
  --digest "$(printf 'x%.0s' {1..32} | openssl dgst -sha256 -binary | basenc --base64url | tr -d '=')"
sqlite3 "$DB" "UPDATE versions SET (meta, ciphertext, iv) = (SELECT meta, ciphertext, iv FROM versions WHERE rowid=$(row k2)) WHERE rowid=$(row k1)"
expect_exit 8 "k2's row copied over k1's is refused" -- "$CV" key show --vault-name main --name k1
expect_exit 0 "k2 itself is untouched" -- "$CV" key show --vault-name main --name k2

# --- No lineage, no operation: a catalogue that refuses lineage records refuses backup and restore. ---
sqlite3 "$DB" "ALTER TABLE blob_events RENAME TO blob_events_away"
expect_exit 13 "backup whose record cannot be written fails" -- \
  "$CV" secret backup --vault-name main --name app --file "$WORK/unrecorded.blob"
expect_contains "$WORK/err" "blob_events" "the storage error is named"
[[ ! -e "$WORK/unrecorded.blob" ]] && ok "no blob handed out" || bad "a blob was written without its record"
"$CV" secret delete --vault-name dst --name app -o none 2>/dev/null; "$CV" secret purge --vault-name dst --name app 2>/dev/null
expect_exit 13 "restore whose record cannot be written fails" -- \
  "$CV" secret restore --vault-name dst --file "$WORK/app.blob"
expect_exit 3 "and writes nothing" -- "$CV" secret show --vault-name dst --name app
expect_exit 13 "a refusal that cannot be recorded is a storage failure" -- \
  "$CV" secret restore --vault-name main --file "$WORK/forged.blob"
expect_contains "$WORK/err" "not trusted by security domain" "naming the refusal too"
sqlite3 "$DB" "ALTER TABLE blob_events_away RENAME TO blob_events"
expect_exit 0 "with lineage back, the restore goes through" -- "$CV" secret restore --vault-name dst --file "$WORK/app.blob"
finish
