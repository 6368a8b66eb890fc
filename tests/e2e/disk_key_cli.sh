#!/usr/bin/env bash
# `coldvault disk-key` through the real binary: KEK-wrapped and plain BEK secrets with ADE's tags, the
# BEK written 0600, and a BEK whose KEK was deleted.
source "$(dirname "$0")/lib.bash"

unb64u() { local s=$1; while (( ${#s} % 4 )); do s+='='; done; printf %s "$s" | basenc -d --base64url; }
K=(--vault-name main)

expect_exit 0 "init" -- "$CV" init --vault-name main
expect_exit 0 "KEK" -- "$CV" key create "${K[@]}" --name kek --kty RSA-HSM --size 2048
KEK_KID=$(jq -r .key.kid "$WORK/out")

expect_exit 0 "disk-key create with KEK (windows)" -- "$CV" disk-key create "${K[@]}" --machine vm-web --kek kek
GUID=$(jq -r .name "$WORK/out")
[[ $GUID =~ ^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$ ]] && ok "named by a GUID" || bad "name $GUID is not a GUID"
expect_eq "$(jq -r .contentType "$WORK/out")" "Wrapped BEK" "content type"
expect_eq "$(jq -r .tags.DiskEncryptionKeyEncryptionAlgorithm "$WORK/out")" "RSA-OAEP" "algorithm tag"
expect_eq "$(jq -r .tags.DiskEncryptionKeyFileName "$WORK/out")" "$GUID.BEK" "file name tag"
expect_eq "$(jq -r .tags.DiskEncryptionKeyEncryptionKeyURL "$WORK/out")" "$KEK_KID" "KEK URL tag is the versioned kid"
expect_eq "$(jq -r .tags.MachineName "$WORK/out")" "vm-web" "machine tag"
expect_eq "$(jq -r 'has("value")' "$WORK/out")" "false" "create prints no value"

expect_exit 0 "disk-key unwrap" -- "$CV" disk-key unwrap "${K[@]}" --name "$GUID" --file "$WORK/bek"
expect_eq "$(stat -c %a "$WORK/bek")" "600" "BEK file is 0600"
expect_eq "$(stat -c %s "$WORK/bek")" "32" "BEK is 32 bytes"
# The secret value is what a wrapKey returns: the KEK's unwrap gives the same BEK.
"$CV" secret show "${K[@]}" --name "$GUID" >"$WORK/sec"
expect_exit 0 "key unwrap of the secret value" -- "$CV" key unwrap "${K[@]}" --name kek --algorithm RSA-OAEP --value "$(jq -r .value "$WORK/sec")"
unb64u "$(jq -r .value "$WORK/out")" >"$WORK/bek2"
expect_eq "$(cmp -s "$WORK/bek" "$WORK/bek2" && echo same)" "same" "same BEK through key unwrap"

expect_exit 0 "disk-key create (linux)" -- "$CV" disk-key create "${K[@]}" --machine vm-db --kek kek --os linux
expect_eq "$(jq -r .tags.DiskEncryptionKeyFileName "$WORK/out")" "LinuxPassPhraseFileName" "linux file name tag"
expect_exit 0 "disk-key create without KEK" -- "$CV" disk-key create "${K[@]}" --machine vm-db
PLAIN=$(jq -r .name "$WORK/out")
expect_eq "$(jq -r .contentType "$WORK/out")" "BEK" "plain BEK content type"
expect_eq "$(jq -r '.tags | has("DiskEncryptionKeyEncryptionKeyURL")' "$WORK/out")" "false" "no KEK tag"
expect_exit 0 "unwrap plain BEK" -- "$CV" disk-key unwrap "${K[@]}" --name "$PLAIN" --file "$WORK/plain"
"$CV" secret show "${K[@]}" --name "$PLAIN" | jq -r .value | base64 -d >"$WORK/plain2"
expect_eq "$(cmp -s "$WORK/plain" "$WORK/plain2" && echo same)" "same" "plain BEK is the base64 secret value"

expect_exit 0 "list" -- "$CV" disk-key list "${K[@]}"
expect_eq "$(jq length "$WORK/out")" "3" "three BEKs"
expect_exit 0 "list by machine" -- "$CV" disk-key list "${K[@]}" --machine vm-db
expect_eq "$(jq length "$WORK/out")" "2" "two for vm-db"

expect_exit 3 "unknown KEK" -- "$CV" disk-key create "${K[@]}" --machine vm --kek nope
expect_exit 0 "EC key" -- "$CV" key create "${K[@]}" --name eck --kty EC
expect_exit 5 "an EC key cannot wrap" -- "$CV" disk-key create "${K[@]}" --machine vm --kek eck
expect_exit 2 "bad --os" -- "$CV" disk-key create "${K[@]}" --machine vm --os solaris

expect_exit 0 "rotate the KEK" -- "$CV" key rotate "${K[@]}" --name kek
expect_exit 0 "BEK still unwraps with the version in its tag" -- "$CV" disk-key unwrap "${K[@]}" --name "$GUID" --file "$WORK/bek3"
expect_exit 0 "delete the KEK" -- "$CV" key delete "${K[@]}" --name kek
expect_exit 3 "BEK whose KEK was deleted" -- "$CV" disk-key unwrap "${K[@]}" --name "$GUID" --file "$WORK/bek4"
expect_contains "$WORK/err" "$KEK_KID" "error names the KEK id"
[[ ! -e "$WORK/bek4" ]] && ok "nothing written on failure" || bad "a BEK file was written"

finish
