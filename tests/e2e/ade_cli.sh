#!/usr/bin/env bash
# `coldvault ade export|restore|inspect`: Azure Backup's encryption-info file for encrypted VMs. Export from
# one vault, restore into a second vault of the same domain (Windows and Linux KEK+BEK, BEK only), the BEK
# bytes unchanged through `disk-key unwrap`; another domain refused; every malformed-file case refused with
# nothing written.
source "$(dirname "$0")/lib.bash"

S=(--vault-name src)
T=(--vault-name dst)
expect_exit 0 "init" -- "$CV" init --vault-name src
expect_exit 0 "second vault, same domain" -- "$CV" vault create --vault-name dst
expect_exit 0 "KEK" -- "$CV" key create "${S[@]}" --name vm-kek --kty RSA-HSM --size 2048
expect_exit 0 "rotate KEK (two versions travel)" -- "$CV" key rotate "${S[@]}" --name vm-kek
expect_exit 0 "Windows BEK" -- "$CV" disk-key create "${S[@]}" --machine vm-win --kek vm-kek
WIN=$(jq -r .name "$WORK/out")
expect_exit 0 "Linux BEK" -- "$CV" disk-key create "${S[@]}" --machine vm-lin --kek vm-kek --os linux
LIN=$(jq -r .name "$WORK/out")
expect_exit 0 "BEK-only machine" -- "$CV" disk-key create "${S[@]}" --machine vm-plain
PLAIN=$(jq -r .name "$WORK/out")
for n in "$WIN" "$LIN" "$PLAIN"; do "$CV" disk-key unwrap "${S[@]}" --name "$n" --file "$WORK/$n.src"; done

# --- export
expect_exit 0 "export Windows machine" -- "$CV" ade export "${S[@]}" --machine vm-win --file "$WORK/win.json"
F=$WORK/win.json
expect_eq "$(stat -c %a "$F")" "600" "file is 0600"
expect_eq "$(jq -r '.OsDiskKeyAndSecretDetails | keys | sort | join(",")' "$F")" \
  "KeyBackupData,KeyUrl,KeyVaultId,KeyVaultSecretBackupData,SecretData,SecretUrl,SecretVaultId" "the documented fields"
jq -r .OsDiskKeyAndSecretDetails.KeyBackupData "$F" | base64 -d >"$WORK/key.blob" && ok "key blob decodes (standard base64)" || bad "key blob is not base64"
expect_contains "$WORK/key.blob" "ColdVaultKeyBackupV1" "KeyBackupData is a key blob"
jq -r .OsDiskKeyAndSecretDetails.KeyVaultSecretBackupData "$F" | base64 -d >"$WORK/sec.blob" && ok "secret blob decodes" || bad "secret blob is not base64"
expect_contains "$WORK/sec.blob" "ColdVaultSecretBackupV1" "KeyVaultSecretBackupData is a secret blob"
KEK_URL=$("$CV" secret show "${S[@]}" --name "$WIN" | jq -r .tags.DiskEncryptionKeyEncryptionKeyURL)
expect_eq "$(jq -r .OsDiskKeyAndSecretDetails.KeyUrl "$F")" "$KEK_URL" "KeyUrl is the BEK's KEK version"
expect_eq "$(jq -r .OsDiskKeyAndSecretDetails.SecretData "$F")" "$("$CV" secret show "${S[@]}" --name "$WIN" | jq -r .value)" "SecretData is the wrapped BEK"
expect_contains "$F" "/vaults/src" "KeyVaultId names the source vault"
expect_exit 0 "export Linux machine" -- "$CV" ade export "${S[@]}" --machine vm-lin --file "$WORK/lin.json"
expect_exit 0 "export BEK-only machine" -- "$CV" ade export "${S[@]}" --machine vm-plain --file "$WORK/plain.json"
expect_eq "$(jq -r '.OsDiskKeyAndSecretDetails | keys | sort | join(",")' "$WORK/plain.json")" \
  "KeyVaultSecretBackupData,SecretUrl,SecretVaultId" "BEK only: no key fields, no BEK in clear"
expect_exit 3 "export of an unknown machine" -- "$CV" ade export "${S[@]}" --machine nope --file "$WORK/x.json"
[[ ! -e "$WORK/x.json" ]] && ok "no file on failure" || bad "file written on failure"

# --- inspect (offline: no token, no PIN)
expect_exit 0 "inspect" -- env COLDVAULT_HOME="$WORK/nohome" "$CV" ade inspect "$F"
expect_eq "$(jq -r .kind "$WORK/out")" "KEK+BEK" "inspect kind"
expect_eq "$(jq -r .consistent "$WORK/out")" "true" "inspect: consistent"
expect_eq "$(jq -r .keyBackup.manifest.name "$WORK/out")" "vm-kek" "inspect runs blob inspect on KeyBackupData"
expect_eq "$(jq -r .secretBackup.manifest.name "$WORK/out")" "$WIN" "inspect runs blob inspect on the secret blob"

# --- restore into dst
expect_exit 0 "restore Windows file" -- "$CV" ade restore "${T[@]}" --file "$F"
expect_eq "$(jq -r .kekId "$WORK/out")" "https://dst.vault.localhost/keys/vm-kek/${KEK_URL##*/}" "prints the KEK id in the target"
expect_eq "$(jq -r .bekId "$WORK/out" | cut -d/ -f1-5)" "https://dst.vault.localhost/secrets/$WIN" "prints the BEK id in the target"
expect_eq "$("$CV" key list-versions "${T[@]}" --name vm-kek | jq length)" "2" "every KEK version restored"
expect_exit 0 "unwrap restored Windows BEK" -- "$CV" disk-key unwrap "${T[@]}" --name "$WIN" --file "$WORK/$WIN.dst"
expect_eq "$(cmp -s "$WORK/$WIN.src" "$WORK/$WIN.dst" && echo same)" "same" "same Windows BEK bytes in the target"
expect_exit 0 "restore Linux file (KEK reused)" -- "$CV" ade restore "${T[@]}" --file "$WORK/lin.json"
expect_eq "$(jq -r .kekReused "$WORK/out")" "true" "same KEK versions: reused"
expect_exit 0 "unwrap restored Linux BEK" -- "$CV" disk-key unwrap "${T[@]}" --name "$LIN" --file "$WORK/$LIN.dst"
expect_eq "$(cmp -s "$WORK/$LIN.src" "$WORK/$LIN.dst" && echo same)" "same" "same Linux BEK bytes in the target"
expect_exit 0 "restore BEK-only file" -- "$CV" ade restore "${T[@]}" --file "$WORK/plain.json"
expect_eq "$(jq -r 'has("kekId")' "$WORK/out")" "false" "BEK only: no KEK id"
"$CV" disk-key unwrap "${T[@]}" --name "$PLAIN" --file "$WORK/$PLAIN.dst"
expect_eq "$(cmp -s "$WORK/$PLAIN.src" "$WORK/$PLAIN.dst" && echo same)" "same" "same plain BEK bytes in the target"
expect_exit 0 "restoring the same file again reuses both" -- "$CV" ade restore "${T[@]}" --file "$F"
expect_eq "$(jq -r '.kekReused and .bekReused' "$WORK/out")" "true" "idempotent re-run"

# The seed's manual path: no secret blob, the BEK set from SecretData with the four tags.
jq 'del(.OsDiskKeyAndSecretDetails.KeyVaultSecretBackupData)' "$F" >"$WORK/nosecblob.json"
expect_exit 0 "vault for the SecretData path" -- "$CV" vault create --vault-name manual
expect_exit 2 "SecretData path needs --machine" -- "$CV" ade restore --vault-name manual --file "$WORK/nosecblob.json"
expect_exit 0 "restore from SecretData" -- "$CV" ade restore --vault-name manual --file "$WORK/nosecblob.json" --machine vm-win
expect_eq "$(jq -r .bekSource "$WORK/out")" "SecretData" "BEK set from SecretData"
"$CV" secret show --vault-name manual --name "$WIN" >"$WORK/man"
expect_eq "$(jq -r .contentType "$WORK/man")" "Wrapped BEK" "content type Wrapped BEK"
expect_eq "$(jq -r .tags.DiskEncryptionKeyFileName "$WORK/man")" "$WIN.BEK" "file name tag"
expect_eq "$(jq -r .tags.DiskEncryptionKeyEncryptionKeyURL "$WORK/man")" "https://manual.vault.localhost/keys/vm-kek/${KEK_URL##*/}" "KEK URL tag names the restored KEK"
expect_eq "$(jq -r .tags.MachineName "$WORK/man")" "vm-win" "machine tag"
expect_exit 0 "unwrap BEK set from SecretData" -- "$CV" disk-key unwrap --vault-name manual --name "$WIN" --file "$WORK/man.bek"
expect_eq "$(cmp -s "$WORK/$WIN.src" "$WORK/man.bek" && echo same)" "same" "same BEK through the manual path"

# --- a conflicting KEK: other versions under the same name -> Conflict, and the BEK is not restored either
expect_exit 0 "vault with another vm-kek" -- "$CV" vault create --vault-name clash
expect_exit 0 "another vm-kek" -- "$CV" key create --vault-name clash --name vm-kek --kty RSA
expect_exit 4 "KEK with other versions: Conflict" -- "$CV" ade restore --vault-name clash --file "$F"
expect_exit 3 "BEK not restored after the conflict" -- "$CV" secret show --vault-name clash --name "$WIN"

# --- malformed files: precise message, exit 2, nothing written in a fresh vault
expect_exit 0 "empty vault for the bad files" -- "$CV" vault create --vault-name empty
count() { "$CV" key list --vault-name empty | jq length; "$CV" secret list --vault-name empty | jq length; }
bad_file() {  # bad_file DESCRIPTION EXPECTED-TEXT JQ-FILTER
  jq "$3" "$F" >"$WORK/bad.json"
  expect_exit 2 "$1" -- "$CV" ade restore --vault-name empty --file "$WORK/bad.json"
  expect_contains "$WORK/err" "$2" "$1: message"
}
bad_file "missing OsDiskKeyAndSecretDetails" "OsDiskKeyAndSecretDetails" '{}'
bad_file "missing SecretUrl" "SecretUrl is missing" 'del(.OsDiskKeyAndSecretDetails.SecretUrl)'
bad_file "KeyUrl without KeyBackupData" "KeyBackupData is missing" 'del(.OsDiskKeyAndSecretDetails.KeyBackupData)'
bad_file "KeyBackupData not base64" "KeyBackupData is not base64" '.OsDiskKeyAndSecretDetails.KeyBackupData = "@@not base64@@"'
bad_file "secret blob not base64" "KeyVaultSecretBackupData is not base64" '.OsDiskKeyAndSecretDetails.KeyVaultSecretBackupData = "%%%"'
bad_file "KeyBackupData holding a secret blob" "this is a secret backup blob, not a key one" \
  '.OsDiskKeyAndSecretDetails.KeyBackupData = .OsDiskKeyAndSecretDetails.KeyVaultSecretBackupData'
bad_file "SecretUrl with an invalid name" "not a valid secret name" \
  '.OsDiskKeyAndSecretDetails.SecretUrl = "https://src.vault.localhost/secrets/bad_name!/0123456789abcdef0123456789abcdef"'
bad_file "SecretUrl naming another secret than the blob" "but SecretUrl names" \
  '.OsDiskKeyAndSecretDetails.SecretUrl = "https://src.vault.localhost/secrets/other/0123456789abcdef0123456789abcdef"'
bad_file "KeyUrl version the blob lacks" "does not hold version" \
  '.OsDiskKeyAndSecretDetails.KeyUrl |= sub("/[0-9a-f]{32}$"; "/0123456789abcdef0123456789abcdef")'
bad_file "SecretUrl not a string" "SecretUrl is not a string" '.OsDiskKeyAndSecretDetails.SecretUrl = 42'
printf 'not json' >"$WORK/bad.json"
expect_exit 2 "not JSON" -- "$CV" ade restore --vault-name empty --file "$WORK/bad.json"
# A tampered blob inside a well-formed file.
jq -r .OsDiskKeyAndSecretDetails.KeyBackupData "$F" | base64 -d >"$WORK/k.blob"
printf '!' | dd of="$WORK/k.blob" bs=1 seek=200 conv=notrunc 2>/dev/null
jq --arg b "$(base64 -w0 "$WORK/k.blob")" '.OsDiskKeyAndSecretDetails.KeyBackupData = $b' "$F" >"$WORK/bad.json"
expect_exit 2 "tampered KeyBackupData" -- "$CV" ade restore --vault-name empty --file "$WORK/bad.json"
expect_contains "$WORK/err" "KeyBackupData" "tampered: names the field"
expect_eq "$(count | tr '\n' ' ')" "0 0 " "nothing written by any bad file"
expect_exit 2 "inspect of a bad file" -- "$CV" ade inspect "$WORK/bad.json"

# --- another security domain: refused, nothing written
expect_exit 0 "home of another domain" -- "$CV" --home "$WORK/other" init --vault-name dst
expect_exit 2 "restore in another domain refused" -- "$CV" --home "$WORK/other" ade restore "${T[@]}" --file "$F"
expect_contains "$WORK/err" "is not present in this token" "refusal names the domain"
expect_eq "$("$CV" --home "$WORK/other" key list "${T[@]}" | jq length)" "0" "no KEK in the other domain"
expect_eq "$("$CV" --home "$WORK/other" secret list "${T[@]}" | jq length)" "0" "no BEK in the other domain"

# Lineage: the restores are recorded.
expect_exit 0 "catalog blobs" -- "$CV" catalog blobs
expect_contains "$WORK/out" "restore" "restores in lineage"

finish
