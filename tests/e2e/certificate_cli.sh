#!/usr/bin/env bash
# Every `coldvault certificate` verb through the real binary: self-signed create from a policy file, CSR +
# merge signed by a throw-away CA (openssl verify must accept the chain), PFX/PEM import, the managed key
# and secret, soft delete, and backup/restore (same home, another domain, twice).
source "$(dirname "$0")/lib.bash"

# x5t of a PEM or DER certificate file, computed by openssl (base64url of the SHA-1 of the DER).
x5t_of() {
  openssl x509 -in "$1" -inform "${2:-PEM}" -noout -fingerprint -sha1 | cut -d= -f2 | tr -d ':' | xxd -r -p |
    base64 | tr '+/' '-_' | tr -d '='
}

expect_exit 0 "init" -- "$CV" init --vault-name certs
expect_exit 0 "second vault in the same home" -- "$CV" vault create --vault-name other-v

# --- Self-signed from a policy file, SANs and EKUs visible to openssl ---
cat >"$WORK/web.json" <<'EOF'
{"key_props": {"exportable": true, "kty": "RSA", "key_size": 2048, "reuse_key": false},
 "secret_props": {"contentType": "application/x-pkcs12"},
 "x509_props": {"subject": "CN=web.example, O=Coldvault Test",
                "sans": {"dns_names": ["web.example", "www.web.example"], "emails": ["ops@web.example"]},
                "ekus": ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"],
                "key_usage": ["digitalSignature", "keyEncipherment"], "validity_months": 6},
 "issuer": {"name": "Self"}}
EOF
expect_exit 0 "create self-signed" -- "$CV" certificate create --vault-name certs --name web --policy "@$WORK/web.json" --tags env=test
expect_eq "$(jq -r .status "$WORK/out")" "completed" "Self issuer completes at once"
expect_exit 0 "show" -- "$CV" certificate show --vault-name certs --name web
cp "$WORK/out" "$WORK/web.show"
WEB_X5T=$(jq -r .x5t "$WORK/web.show")
WEB_SID=$(jq -r .sid "$WORK/web.show")
expect_eq "$(jq -r .tags.env "$WORK/web.show")" "test" "tags stored"
expect_eq "$(jq -r '.kid | split("/")[-2]' "$WORK/web.show")" "web" "kid names the backing key"
expect_exit 0 "download PEM" -- "$CV" certificate download --vault-name certs --name web --file "$WORK/web.pem"
expect_exit 0 "download DER" -- "$CV" certificate download --vault-name certs --name web --file "$WORK/web.der" --encoding DER
expect_exit 4 "download refuses to overwrite" -- "$CV" certificate download --vault-name certs --name web --file "$WORK/web.pem"
openssl x509 -in "$WORK/web.pem" -noout -text >"$WORK/web.txt" 2>&1
expect_contains "$WORK/web.txt" "DNS:web.example, DNS:www.web.example" "SAN dNSNames"
expect_contains "$WORK/web.txt" "email:ops@web.example" "SAN email"
expect_contains "$WORK/web.txt" "TLS Web Server Authentication, TLS Web Client Authentication" "EKUs"
expect_contains "$WORK/web.txt" "Digital Signature, Key Encipherment" "key usage"
expect_contains "$WORK/web.txt" "CN = web.example" "subject"
expect_eq "$(x5t_of "$WORK/web.pem")" "$WEB_X5T" "x5t is the SHA-1 of the downloaded PEM"
expect_eq "$(x5t_of "$WORK/web.der" DER)" "$WEB_X5T" "DER download is the same certificate"
expect_exit 0 "the PFX secret" -- "$CV" secret show --vault-name certs --name web
expect_eq "$(jq -r .contentType "$WORK/out")" "application/x-pkcs12" "secret content type from the policy"
expect_eq "$(jq -r .managed "$WORK/out")" "true" "the secret is managed, as Key Vault marks it"
expect_eq "$(jq -r .kid "$WORK/out" | cut -d/ -f1-5)" "https://certs.vault.localhost/keys/web" "the secret names its key"
"$CV" key show --vault-name certs --name web >"$WORK/webkey.json"
expect_eq "$(jq -r .managed "$WORK/webkey.json")" "true" "the key is managed"
jq -r .value "$WORK/out" | base64 -d >"$WORK/web.pfx"
openssl pkcs12 -in "$WORK/web.pfx" -passin pass: -nodes -out "$WORK/web.pfx.pem" 2>/dev/null
expect_contains "$WORK/web.pfx.pem" "PRIVATE KEY" "exportable: the PFX holds the key"

# --- The default policy round-trips ---
expect_exit 0 "get-default-policy needs no token" -- env COLDVAULT_PIN=wrong "$CV" certificate get-default-policy
cp "$WORK/out" "$WORK/default.json"
expect_exit 0 "create from the default policy" -- "$CV" certificate create --vault-name certs --name dflt --policy "@$WORK/default.json"
expect_exit 0 "policy show" -- "$CV" certificate policy show --vault-name certs --name dflt
# get-default-policy prints az's camelCase model; policy show prints the REST shape: same content.
expect_eq "$(jq -c '[.key_props.kty, .key_props.key_size, .key_props.exportable, .key_props.reuse_key,
  .secret_props.contentType, .x509_props.subject, .x509_props.key_usage, .x509_props.validity_months, .issuer.name,
  .lifetime_actions[0].trigger.days_before_expiry, .lifetime_actions[0].action.action_type]' "$WORK/out")" \
  "$(jq -c '[.keyProperties.keyType, .keyProperties.keySize, .keyProperties.exportable, .keyProperties.reuseKey,
  .secretProperties.contentType, .x509CertificateProperties.subject, .x509CertificateProperties.keyUsage,
  .x509CertificateProperties.validityInMonths, .issuerParameters.name, .lifetimeActions[0].trigger.daysBeforeExpiry,
  .lifetimeActions[0].action.actionType]' "$WORK/default.json")" "stored policy equals the default"
expect_eq "$(jq -r .x509CertificateProperties.subject "$WORK/default.json")" "CN=CLIGetDefaultPolicy" "az's default subject"
expect_exit 0 "policy update" -- "$CV" certificate policy update --vault-name certs --name dflt \
  --policy '{"x509_props": {"validity_months": 3}}'
expect_exit 0 "policy show after update" -- "$CV" certificate policy show --vault-name certs --name dflt
expect_eq "$(jq -r .x509_props.validity_months "$WORK/out")" "3" "policy update applied"
# set-attributes with a policy: one transaction, so a refused policy leaves the tags as they were.
expect_exit 2 "set-attributes with a bad policy" -- "$CV" certificate set-attributes --vault-name certs --name dflt \
  --tags t=new --policy '{"key_props": {"kty": "DSA"}}'
expect_eq "$("$CV" certificate show --vault-name certs --name dflt | jq -r '.tags.t // "none"')" "none" "bad policy: tags unchanged"
expect_exit 0 "set-attributes with a policy" -- "$CV" certificate set-attributes --vault-name certs --name dflt \
  --tags t=new --policy '{"x509_props": {"validity_months": 6}}'
expect_eq "$(jq -r .tags.t "$WORK/out")" "new" "tags set with the policy"
expect_eq "$("$CV" certificate policy show --vault-name certs --name dflt | jq -r .x509_props.validity_months)" "6" "policy set with the tags"

# --- CSR flow: issuer Unknown, a CA signs, merge, openssl verifies the chain ---
jq '.issuer.name = "Unknown" | .x509_props.subject = "CN=csr.example" | .x509_props.sans = {"dns_names": ["csr.example"]}' \
  "$WORK/web.json" >"$WORK/csr.json"
expect_exit 0 "create with issuer Unknown" -- "$CV" certificate create --vault-name certs --name csr --policy "@$WORK/csr.json"
expect_eq "$(jq -r .status "$WORK/out")" "inProgress" "pending operation in progress"
expect_exit 0 "pending show" -- "$CV" certificate pending show --vault-name certs --name csr
jq -r .csr "$WORK/out" | base64 -d >"$WORK/csr.der"
expect_exit 0 "CSR verifies" -- openssl req -in "$WORK/csr.der" -inform DER -verify -noout
openssl req -in "$WORK/csr.der" -inform DER -out "$WORK/csr.pem" 2>/dev/null
expect_exit 5 "backup refused while pending" -- "$CV" certificate backup --vault-name certs --name csr --file "$WORK/csr.blob"
expect_contains "$WORK/err" "pending" "refusal names the pending operation"
expect_exit 3 "nothing to download while pending" -- "$CV" certificate download --vault-name certs --name csr --file "$WORK/none.pem"
# az's --include-pending: a certificate still waiting for its CSR to be merged is listed only on request.
expect_exit 0 "list leaves the pending certificate out" -- "$CV" certificate list --vault-name certs
expect_eq "$(jq -r '[.[].name] | index("csr")' "$WORK/out")" "null" "no pending certificate by default"
expect_exit 0 "list --include-pending" -- "$CV" certificate list --vault-name certs --include-pending true
expect_eq "$(jq -r '[.[].name] | index("csr") != null' "$WORK/out")" "true" "the pending certificate listed"
expect_exit 0 "list --include-pending false" -- "$CV" certificate list --vault-name certs --include-pending false
expect_eq "$(jq -r '[.[].name] | index("csr")' "$WORK/out")" "null" "false leaves it out"
expect_exit 2 "--include-pending maybe" -- "$CV" certificate list --vault-name certs --include-pending maybe
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/ca.key" -out "$WORK/ca.pem" -subj "/CN=Test CA" -days 30 \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
openssl x509 -req -in "$WORK/csr.pem" -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" -CAcreateserial -days 20 \
  -out "$WORK/issued.pem" 2>/dev/null
cat "$WORK/issued.pem" "$WORK/ca.pem" >"$WORK/chain.pem"
# A certificate for another key is refused before the right one is merged.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/x.key" -out "$WORK/x.pem" -subj "/CN=x" -days 1 2>/dev/null
expect_exit 2 "merge of a certificate for another key" -- "$CV" certificate pending merge --vault-name certs --name csr --file "$WORK/x.pem"
expect_exit 0 "pending merge" -- "$CV" certificate pending merge --vault-name certs --name csr --file "$WORK/chain.pem"
expect_exit 3 "no pending operation after merge" -- "$CV" certificate pending show --vault-name certs --name csr
expect_exit 0 "download merged leaf" -- "$CV" certificate download --vault-name certs --name csr --file "$WORK/leaf.pem"
expect_exit 0 "openssl verify" -- openssl verify -CAfile "$WORK/ca.pem" "$WORK/leaf.pem"
expect_contains "$WORK/out" "leaf.pem: OK" "the chain verifies against the test CA"

# --- Import: PFX (OpenSSL 3 default and legacy), PEM; password never on argv ---
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/imp.key" -out "$WORK/imp.crt" -subj "/CN=imported" -days 30 2>/dev/null
printf 'pfx-pass\n' >"$WORK/pw"
openssl pkcs12 -export -inkey "$WORK/imp.key" -in "$WORK/imp.crt" -out "$WORK/imp.pfx" -passout pass:pfx-pass
openssl pkcs12 -export -legacy -inkey "$WORK/imp.key" -in "$WORK/imp.crt" -out "$WORK/legacy.pfx" -passout pass:pfx-pass
cat "$WORK/imp.key" "$WORK/imp.crt" >"$WORK/imp.pem"
IMP_X5T=$(x5t_of "$WORK/imp.crt")
expect_exit 0 "list before failed imports" -- "$CV" certificate list --vault-name certs
BEFORE=$(jq length "$WORK/out")
printf 'wrong\n' >"$WORK/badpw"
expect_exit 2 "wrong PFX password is BadParameter" -- "$CV" certificate import --vault-name certs --name bad --file "$WORK/imp.pfx" --password-file "$WORK/badpw"
expect_exit 2 "--password on argv is refused" -- "$CV" certificate import --vault-name certs --name bad --file "$WORK/imp.pfx" --password pfx-pass
if grep -q pfx-pass "$WORK/err"; then bad "password echoed: $(cat "$WORK/err")"; else ok "password not echoed"; fi
expect_contains "$WORK/err" "--password-file" "refusal names --password-file"
expect_exit 0 "list after failed imports" -- "$CV" certificate list --vault-name certs
expect_eq "$(jq length "$WORK/out")" "$BEFORE" "failed imports wrote nothing"
expect_exit 3 "no key left behind" -- "$CV" key show --vault-name certs --name bad
expect_exit 0 "import PFX" -- "$CV" certificate import --vault-name certs --name imp --file "$WORK/imp.pfx" --password-file "$WORK/pw"
expect_eq "$(jq -r .x5t "$WORK/out")" "$IMP_X5T" "imported PFX keeps its certificate"
expect_exit 0 "import legacy PFX (password from the environment)" -- env COLDVAULT_CERT_PASSWORD=pfx-pass "$CV" certificate import --vault-name certs --name legacy --file "$WORK/legacy.pfx"
expect_eq "$(jq -r .x5t "$WORK/out")" "$IMP_X5T" "legacy PFX imported"
expect_exit 0 "import PEM" -- "$CV" certificate import --vault-name certs --name pem --file "$WORK/imp.pem"
expect_eq "$(jq -r .x5t "$WORK/out")" "$IMP_X5T" "PEM imported"
expect_exit 0 "list-versions" -- "$CV" certificate list-versions --vault-name certs --name imp
expect_eq "$(jq length "$WORK/out")" "1" "one version"
expect_exit 0 "set-attributes" -- "$CV" certificate set-attributes --vault-name certs --name imp --enabled false --tags a=b
expect_eq "$(jq -r .attributes.enabled "$WORK/out")/$(jq -r .tags.a "$WORK/out")" "false/b" "attributes and tags changed"

# --- The backing key and secret are managed by the certificate ---
expect_exit 5 "key delete of a certificate's key" -- "$CV" key delete --vault-name certs --name web
expect_contains "$WORK/err" "associated with a certificate" "key refusal text"
expect_exit 5 "secret delete of a certificate's secret" -- "$CV" secret delete --vault-name certs --name web
expect_contains "$WORK/err" "associated with a certificate" "secret refusal text"
expect_exit 5 "secret backup of a certificate's secret" -- "$CV" secret backup --vault-name certs --name web --file "$WORK/s.blob"
expect_exit 5 "key backup of a certificate's key" -- "$CV" key backup --vault-name certs --name web --file "$WORK/k.blob"

# --- Delete, recover, purge: the three objects move together ---
expect_exit 0 "delete" -- "$CV" certificate delete --vault-name certs --name pem
expect_eq "$(jq -r .recoveryId "$WORK/out")" "https://certs.vault.localhost/deletedcertificates/pem" "recoveryId"
expect_exit 0 "list-deleted" -- "$CV" certificate list-deleted --vault-name certs
expect_eq "$(jq -r '.[].name' "$WORK/out")" "pem" "deleted certificate listed"
expect_exit 0 "show-deleted" -- "$CV" certificate show-deleted --vault-name certs --name pem
expect_exit 3 "its secret is deleted too" -- "$CV" secret show --vault-name certs --name pem
expect_exit 0 "recover" -- "$CV" certificate recover --vault-name certs --name pem
expect_exit 0 "its secret is back" -- "$CV" secret show --vault-name certs --name pem
expect_exit 0 "delete again" -- "$CV" certificate delete --vault-name certs --name pem
expect_exit 0 "purge" -- "$CV" certificate purge --vault-name certs --name pem
expect_exit 3 "purged is gone" -- "$CV" certificate show-deleted --vault-name certs --name pem
expect_exit 3 "its key is gone" -- "$CV" key show --vault-name certs --name pem

# --- Backup and restore ---
expect_exit 0 "backup" -- "$CV" certificate backup --vault-name certs --name web --file "$WORK/web.blob"
expect_eq "$(head -c 30 "$WORK/web.blob" | tail -c 29)" "ColdVaultCertificateBackupV1." "certificate prefix"
expect_exit 0 "blob inspect" -- "$CV" blob inspect "$WORK/web.blob"
expect_eq "$(jq -r .manifest.type "$WORK/out")/$(jq -r .manifest.name "$WORK/out")" "certificate/web" "manifest"
"$CV" vault show --vault-name certs >"$WORK/certs.pem"
expect_exit 0 "blob verify" -- "$CV" blob verify "$WORK/web.blob" --trust "$WORK/certs.pem"
expect_exit 0 "restore into a second vault" -- "$CV" certificate restore --vault-name other-v --file "$WORK/web.blob"
expect_eq "$(jq -r .x5t "$WORK/out")" "$WEB_X5T" "restored thumbprint is identical"
expect_exit 0 "restored secret" -- "$CV" secret show --vault-name other-v --name web --version "${WEB_SID##*/}"
expect_eq "$(jq -r .managed "$WORK/out")" "true" "restored secret is still managed"
jq -r .value "$WORK/out" >"$WORK/restored.value"
"$CV" secret show --vault-name certs --name web --version "${WEB_SID##*/}" | jq -r .value >"$WORK/orig.value"
if cmp -s "$WORK/orig.value" "$WORK/restored.value" && [[ -s "$WORK/orig.value" ]]; then ok "restored secret value is identical"
else bad "restored secret value differs"; fi
expect_exit 0 "restored key" -- "$CV" key show --vault-name other-v --name web
expect_exit 5 "restored key is still managed" -- "$CV" key delete --vault-name other-v --name web
expect_exit 4 "restore twice is Conflict" -- "$CV" certificate restore --vault-name other-v --file "$WORK/web.blob"
expect_contains "$WORK/err" "There was a conflict restoring the certificate" "Key Vault's conflict text"
expect_exit 0 "lineage" -- "$CV" catalog blobs
expect_eq "$(jq -r '.[0].type + "/" + .[0].outcome' "$WORK/out")" "certificate/Conflict" "the refusal is recorded"

# Another domain: a second home cannot open the blob, and writes nothing.
expect_exit 0 "second home" -- "$CV" --home "$WORK/other" init --vault-name certs
expect_exit 2 "blob from another domain refused" -- "$CV" --home "$WORK/other" certificate restore --vault-name certs --file "$WORK/web.blob"
expect_contains "$WORK/err" "is not present in this token" "domain named in the refusal"
for t in certificate key secret; do
  expect_exit 0 "$t list in the other home" -- "$CV" --home "$WORK/other" $t list --vault-name certs
  expect_eq "$(jq length "$WORK/out")" "0" "no $t written in the other home"
done


# --- az's flags and value formats (docs/cli.md) --------------------------------------------------
C=(--vault-name certs)
expect_exit 0 "--policy as a plain file path" -- "$CV" certificate create "${C[@]}" --name az-path --policy "$WORK/web.json" --disabled false --tags solo k=v
expect_eq "$(jq -r .status "$WORK/out")" "completed" "created from the path"
expect_exit 0 "--policy inline JSON" -- "$CV" certificate create "${C[@]}" --name az-inline --policy "$(cat "$WORK/web.json")"
expect_exit 0 "show it" -- "$CV" certificate show "${C[@]}" --name az-path
expect_eq "$(jq -c .tags "$WORK/out"),$(jq -r .attributes.enabled "$WORK/out")" '{"k":"v","solo":""},true' "tags and --disabled false"
expect_exit 2 "--policy neither JSON nor a file" -- "$CV" certificate create "${C[@]}" --name az-bad --policy "$WORK/no-such.json"
expect_contains "$WORK/err" "file path" "message names the three forms"
expect_exit 2 "--disabled maybe" -- "$CV" certificate create "${C[@]}" --name az-bad --policy "$WORK/web.json" --disabled maybe
expect_exit 0 "set-attributes --tags \"\" clears" -- "$CV" certificate set-attributes "${C[@]}" --name az-path --tags ""
expect_eq "$(jq -c .tags "$WORK/out")" '{}' "tags cleared"
expect_exit 0 "set-attributes --enabled false" -- "$CV" certificate set-attributes "${C[@]}" --name az-path --enabled false
expect_eq "$(jq -r .attributes.enabled "$WORK/out")" "false" "disabled"
expect_exit 2 "--enabled maybe" -- "$CV" certificate set-attributes "${C[@]}" --name az-path --enabled maybe
# A certificate's key and secret are "managed": az lists them only with --include-managed.
expect_exit 0 "secret list" -- "$CV" secret list "${C[@]}"
expect_eq "$(jq -r '[.[] | select(.managed == true)] | length' "$WORK/out")" "0" "managed secrets left out"
expect_exit 0 "secret list --include-managed" -- "$CV" secret list "${C[@]}" --include-managed
expect_eq "$(jq -r '[.[] | select(.name == "az-inline" and .managed == true)] | length' "$WORK/out")" "1" "managed secret listed"
expect_exit 0 "key list" -- "$CV" key list "${C[@]}"
expect_eq "$(jq -r '[.[] | select(.managed == true)] | length' "$WORK/out")" "0" "managed keys left out"
expect_exit 0 "key list --include-managed true" -- "$CV" key list "${C[@]}" --include-managed true
expect_eq "$(jq -r '[.[] | select(.name == "az-inline" and .managed == true)] | length' "$WORK/out")" "1" "managed key listed"
expect_exit 2 "--include-managed maybe" -- "$CV" key list "${C[@]}" --include-managed maybe
expect_exit 0 "list-deleted --include-pending accepted" -- "$CV" certificate list-deleted "${C[@]}" --include-pending
expect_contains "$WORK/err" "include-pending ignored" "one note on stderr"
expect_exit 2 "download --encoding other" -- "$CV" certificate download "${C[@]}" --name az-inline --file "$WORK/az.crt" --encoding CRT

finish
