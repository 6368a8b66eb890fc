# An operator's script written for Azure: every line is a real `az keyvault` command line (seeds'
# 003_1ccb63a410e1ff72.txt backup/restore lines, Microsoft's docs examples). tests/e2e/az_script.sh
# runs it with only `az` replaced by coldvault and checks each call's output and exit code by its
# number (the `# N` comments). Lines marked [B] use flags of the per-verb az flags work (docs/cli.md).
# Needs: $VAULT (an existing vault), $DIR (a scratch folder), $SUB (any subscription id).

# --- secrets ---
az keyvault secret set --vault-name "$VAULT" --name db-password --value 'P@ss w0rd'                                  # 1
az keyvault secret show --vault-name "$VAULT" --name db-password --query value -o tsv                                # 2
az keyvault secret set --vault-name "$VAULT" --name api-key --file "$DIR/api.txt" --encoding utf-8 --content-type text/plain --tags env=prod team=ops  # 3
az keyvault secret set --vault-name "$VAULT" --name api-key --value second --expires 2030-01-01T00:00:00Z --only-show-errors  # 4
az keyvault secret show --vault-name "$VAULT" --name api-key --query attributes.expires -o tsv                      # 5
az keyvault secret list --vault-name "$VAULT" --query "[].name" -o tsv                                               # 6
az keyvault secret list-versions --vault-name "$VAULT" --name api-key --query "length(@)"                            # 7
SECRET_ID=$(az keyvault secret show --vault-name "$VAULT" --name api-key --query id -o tsv)                          # 8
az keyvault secret show --id "$SECRET_ID" --query value -o tsv                                                      # 9
az keyvault secret show --id "https://$VAULT.vault.azure.net/secrets/db-password" --query value -o tsv               # 10
az keyvault secret set-attributes --vault-name "$VAULT" --name api-key --tags owner=me --query tags -o json          # 11
az keyvault secret set-attributes --id "$SECRET_ID" --enabled false --query attributes.enabled -o tsv                # 12
az keyvault secret show --id "$SECRET_ID"                                                                            # 13
az keyvault secret show --vault-name "$VAULT" --name no-such-secret                                                  # 14
az keyvault secret show --vault-name "$VAULT"                                                                        # 15
az keyvault secret backup --file "$DIR/db-password.blob" --name db-password --vault-name "$VAULT" --subscription "$SUB"  # 16
az keyvault secret delete --vault-name "$VAULT" --name db-password --query "recoveryId" -o tsv                       # 17
az keyvault secret list-deleted --vault-name "$VAULT" --query "[].name" -o tsv                                       # 18
az keyvault secret show-deleted --id "https://$VAULT.vault.azure.net/deletedsecrets/db-password" --query name -o tsv # 19
az keyvault secret recover --vault-name "$VAULT" --name db-password --query name -o tsv                               # 20
az keyvault secret delete --vault-name "$VAULT" --name db-password -o none                                           # 21
az keyvault secret purge --vault-name "$VAULT" --name db-password                                                    # 22
az keyvault secret restore --file "$DIR/db-password.blob" --vault-name "$VAULT" --subscription "$SUB" --query name -o tsv  # 23
az keyvault secret download --vault-name "$VAULT" --name db-password --file "$DIR/db-password.txt"                   # 24 [B]
az keyvault secret show --vault-name "$VAULT" --name db-password -o table                                            # 25
az keyvault secret list --vault-name "$VAULT" --query "[?name=='db-password'].{n:name, on:attributes.enabled}" -o tsv  # 26
az keyvault secret set --vault-name "$VAULT" --name tagged --value x --tags a=1 b=2 --query "tags" -o yaml            # 27

# --- keys ---
az keyvault key create --vault-name "$VAULT" --name rsa-key --kty RSA --size 2048 --query key.kty -o tsv            # 28
az keyvault key create --vault-name "$VAULT" --name ec-key --kty EC --curve P-256 --query key.crv -o tsv             # 29
az keyvault key show --vault-name "$VAULT" --name rsa-key --query "key.e" -o tsv                                     # 30
az keyvault key list --vault-name "$VAULT" --query "[].name" -o tsv                                                  # 31
KEY_ID=$(az keyvault key show --vault-name "$VAULT" --name rsa-key --query key.kid -o tsv)                           # 32
az keyvault key encrypt --vault-name "$VAULT" --name rsa-key --algorithm RSA-OAEP-256 --value aGVsbG8gd29ybGQ --query algorithm -o tsv  # 33
CIPHER=$(az keyvault key encrypt --id "$KEY_ID" --algorithm RSA-OAEP-256 --value "aGVsbG8gd29ybGQ=" --data-type base64 --query result -o tsv)  # 34 [B]
az keyvault key decrypt --id "$KEY_ID" --algorithm RSA-OAEP-256 --value "$CIPHER" --data-type base64 --query result -o tsv  # 35 [B]
SIG=$(az keyvault key sign --vault-name "$VAULT" --name ec-key --algorithm ES256 --digest QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE= --query signature -o tsv)  # 36
az keyvault key verify --vault-name "$VAULT" --name ec-key --algorithm ES256 --digest QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE= --signature "$SIG" --query isValid -o tsv  # 37 [B]
az keyvault key backup --file "$DIR/rsa-key.blob" --name rsa-key --vault-name "$VAULT" --subscription "$SUB"          # 38
az keyvault key set-attributes --id "https://$VAULT.vault.azure.net/keys/ec-key" --tags tier=gold --query "tags.tier" -o tsv  # 39
az keyvault key delete --vault-name "$VAULT" --name rsa-key --query "name" -o tsv                                    # 40
az keyvault key purge --vault-name "$VAULT" --name rsa-key                                                           # 41
az keyvault key restore --file "$DIR/rsa-key.blob" --vault-name "$VAULT" --subscription "$SUB" --query "key.kty" -o tsv  # 42
az keyvault key show --id "https://$VAULT.vault.azure.net/secrets/rsa-key"                                           # 43
az keyvault key show --vault-name "$VAULT" --name rsa-key --id "$KEY_ID"                                             # 44

# --- certificates ---
az keyvault certificate get-default-policy > "$DIR/policy.json"                                                      # 45
az keyvault certificate create --vault-name "$VAULT" --name web-cert --policy "@$DIR/policy.json" --query status -o tsv  # 46
az keyvault certificate show --vault-name "$VAULT" --name web-cert --query "policy.x509CertificateProperties.subject || policy.x509_props.subject" -o tsv  # 47
az keyvault certificate download --vault-name "$VAULT" --name web-cert --file "$DIR/web-cert.pem"                   # 48
az keyvault certificate list --vault-name "$VAULT" --query "[].name" -o tsv                                          # 49
az keyvault certificate backup --file "$DIR/web-cert.blob" --name web-cert --vault-name "$VAULT" --subscription "$SUB" -o none  # 50

# --- the vault, az's global flags ---
az keyvault show --name "$VAULT" --query name -o tsv                                                                 # 51
az keyvault list --query "[].name" -o tsv --verbose                                                                  # 52
az keyvault secret list --vault-name "$VAULT" --query "sort_by([], &name)[0].name" -o tsv --debug                    # 53
az keyvault secret list --vault-name "$VAULT" --query "[?name==" -o tsv                                              # 54
az keyvault secret list --vault-name "$VAULT" --query "[?name=='api-key'].{Name:name, Enabled:attributes.enabled}" -o tsv   # 55
az keyvault secret list --vault-name "$VAULT" --query "[?name=='api-key'].{Name:name, Enabled:attributes.enabled}" -o table # 56
