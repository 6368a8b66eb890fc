#!/usr/bin/env bash
# Backup blobs through the CLI: backup/restore of secrets and keys, --value-only, binding to the domain,
# offline inspect/verify, the blob archive and lineage queries.
source "$(dirname "$0")/lib.bash"
DATA="$(cd "$(dirname "$0")/../data" && pwd)"

expect_exit 0 "init" -- "$CV" init --vault-name src
expect_exit 0 "second vault" -- "$CV" vault create --vault-name dst
for v in one two three; do printf '%s' "$v" | "$CV" secret set --vault-name src --name app --file - -o none; done
expect_exit 0 "backup to a file" -- "$CV" secret backup --vault-name src --name app --file "$WORK/app.blob"
SHA=$(jq -r .sha256 "$WORK/out")
expect_eq "$(sha256sum "$WORK/app.blob" | cut -d' ' -f1)" "$SHA" "printed digest is the file's"
expect_eq "$(head -c 25 "$WORK/app.blob" | tail -c 24)" "ColdVaultSecretBackupV1." "raw envelope with our prefix"
expect_exit 0 "backup --value-only" -- "$CV" secret backup --vault-name src --name app --value-only --file "$WORK/app.b64"
expect_exit 0 "restore into second vault" -- "$CV" secret restore --vault-name dst --file "$WORK/app.blob"
expect_exit 0 "restored latest" -- "$CV" secret show --vault-name dst --name app
expect_eq "$(jq -r .value "$WORK/out")" "three" "latest stays latest"
expect_exit 0 "versions" -- "$CV" secret list-versions --vault-name dst --name app
expect_eq "$(jq length "$WORK/out")" "3" "all versions restored"
expect_exit 4 "restore again is Conflict" -- "$CV" secret restore --vault-name dst --file "$WORK/app.b64"
expect_contains "$WORK/err" "There was a conflict restoring the secret" "Key Vault's conflict text"

"$CV" key create --vault-name src --name kek --kty RSA-HSM --size 2048 -o none
"$CV" key rotate --vault-name src --name kek -o none
expect_exit 0 "key backup" -- "$CV" key backup --vault-name src --name kek --file "$WORK/kek.blob"
expect_exit 2 "key blob to secret restore" -- "$CV" secret restore --vault-name dst --file "$WORK/kek.blob"
expect_contains "$WORK/err" "not a secret" "wrong type named"
expect_exit 0 "key restore" -- "$CV" key restore --vault-name dst --file "$WORK/kek.blob"
expect_exit 0 "key versions" -- "$CV" key list-versions --vault-name dst --name kek
expect_eq "$(jq length "$WORK/out")" "2" "rotated key: both versions"

printf '!' | dd of="$WORK/app.blob" bs=1 seek=200 conv=notrunc 2>/dev/null
"$CV" secret delete --vault-name dst --name app -o none; "$CV" secret purge --vault-name dst --name app
expect_exit 2 "tampered blob refused" -- "$CV" secret restore --vault-name dst --file "$WORK/app.blob"
expect_exit 3 "nothing written" -- "$CV" secret show --vault-name dst --name app

# Offline tools need no token: run them against a home whose PIN is wrong.
expect_exit 0 "vault certificate" -- "$CV" vault show --vault-name src
cp "$WORK/out" "$WORK/src.pem"
"$CV" vault show --vault-name dst >"$WORK/dst.pem"
expect_exit 0 "verify with the right anchor" -- env COLDVAULT_PIN=wrong "$CV" blob verify "$WORK/kek.blob" --trust "$WORK/src.pem"
expect_eq "$(jq -r .verdict "$WORK/out")" "valid" "verdict valid"
expect_exit 8 "verify with another anchor" -- "$CV" blob verify "$WORK/kek.blob" --trust "$WORK/dst.pem"
expect_eq "$(jq -r .chain.ok "$WORK/out")" "false" "chain refused"
expect_exit 2 "verify a tampered blob (header no longer decodes)" -- "$CV" blob verify "$WORK/app.blob" --trust "$WORK/src.pem"
expect_exit 0 "inspect" -- "$CV" blob inspect "$WORK/app.b64"
expect_eq "$(jq -r .manifest.name "$WORK/out")" "app" "manifest readable without decryption"
expect_exit 0 "inspect Key Vault sample" -- "$CV" blob inspect "$DATA/akv_secret_backup_sample.txt"
expect_contains "$WORK/out" "Microsoft" "bound to Microsoft's HSMs"

# Another domain: a second home.
expect_exit 0 "second home" -- "$CV" --home "$WORK/other" init --vault-name src
expect_exit 2 "blob from another domain refused" -- "$CV" --home "$WORK/other" secret restore --vault-name src --file "$WORK/app.b64"
expect_contains "$WORK/err" "is not present in this token" "domain named in the refusal"
expect_exit 0 "refusal recorded" -- "$CV" --home "$WORK/other" catalog blobs
expect_eq "$(jq -r '.[0].outcome' "$WORK/out")" "BadParameter" "lineage has the refusal"

# Archive: keep blobs we cannot open, export them byte-identical.
expect_exit 0 "archive our blob" -- "$CV" --home "$WORK/other" blob import "$WORK/kek.blob" --label from-src
expect_exit 0 "archive a Key Vault blob" -- "$CV" --home "$WORK/other" blob import "$DATA/akv_secret_backup_sample.txt"
expect_exit 4 "duplicate detected by digest" -- "$CV" --home "$WORK/other" blob import "$WORK/kek.blob"
expect_exit 0 "archive list" -- "$CV" --home "$WORK/other" blob list
expect_eq "$(jq length "$WORK/out")" "2" "two archived blobs"
KSHA=$(sha256sum "$WORK/kek.blob" | cut -d' ' -f1)
expect_exit 0 "export" -- "$CV" --home "$WORK/other" blob export "${KSHA:0:12}" --file "$WORK/kek.out"
if cmp -s "$WORK/kek.blob" "$WORK/kek.out"; then ok "export is byte-identical"; else bad "export differs"; fi
expect_exit 0 "delete from archive" -- "$CV" --home "$WORK/other" blob delete "$KSHA"
expect_exit 3 "deleted blob gone" -- "$CV" --home "$WORK/other" blob export "$KSHA" --file "$WORK/x"

expect_exit 0 "lineage of the source" -- "$CV" catalog show "$SHA"
expect_eq "$(jq -r '.events[-1].event' "$WORK/out")" "backup" "backup recorded"
expect_eq "$(jq -r '.events[-1].versions | length' "$WORK/out")" "3" "versions recorded"

finish
