#!/usr/bin/env bash
# One security domain, many tokens (issue 13): three custodians on their own SoftHSM tokens, quorum 2. The domain
# moves to a fresh home with every 2-subset of shares and never with one; a secret, a key (which still decrypts
# what it encrypted at the source) and a certificate backed up at the source restore there, and a blob made
# there restores at the source. Forged, foreign, expired, truncated and duplicate inputs are refused and change
# nothing; a process killed between unwrap and commit leaves nothing the next import trips on.
source "$(dirname "$0")/lib.bash"
SRC="$WORK/src"

# Custodian tokens: one SoftHSM folder each, as a smartcard each would be, made by hsm/provision-token (PINs from
# files, never argv).
PROVISION="$(cd "$(dirname "$0")/../.." && pwd)/hsm/provision-token"
custodian_token() {
  local name=$1 dir="$WORK/cust/$1"
  mkdir -p "$WORK/cust"
  printf '%s-so\n' "$name" >"$WORK/cust/$name.so"
  printf '%s-pin\n' "$name" >"$WORK/cust/$name.pin"
  "$PROVISION" --so-pin-file "$WORK/cust/$name.so" --pin-file "$WORK/cust/$name.pin" "$dir" "$name" >/dev/null
  cp "$WORK/cust/$name.pin" "$dir/pin"
}
as_custodian() { local name=$1; shift; SOFTHSM2_CONF="$WORK/cust/$name/softhsm2.conf" "$@" --pin-file "$WORK/cust/$name/pin"; }

# --- Source: a home with a secret, a key and a certificate, backed up. ---
printf 'source-so-pin\n' >"$WORK/so.pin"
expect_exit 0 "source init" -- "$CV" --home "$SRC" init --vault-name main --so-pin-file "$WORK/so.pin"
SRC_KID=$(jq -r .domainKid "$WORK/out")
printf 'the-secret-value' | "$CV" --home "$SRC" secret set --vault-name main --name app --file - -o none
expect_exit 0 "source key" -- "$CV" --home "$SRC" key create --vault-name main --name kek --kty RSA --size 2048
expect_exit 0 "source encrypts with the key" -- "$CV" --home "$SRC" key encrypt --vault-name main --name kek \
  --algorithm RSA-OAEP --value "aGVsbG8gZG9tYWlu"
CT=$(jq -r .value "$WORK/out")
cat >"$WORK/web.json" <<'EOF'
{"key_props": {"exportable": true, "kty": "RSA", "key_size": 2048, "reuse_key": false},
 "secret_props": {"contentType": "application/x-pem-file"},
 "x509_props": {"subject": "CN=web.example", "validity_months": 6}, "issuer": {"name": "Self"}}
EOF
expect_exit 0 "source certificate" -- "$CV" --home "$SRC" certificate create --vault-name main --name web --policy "@$WORK/web.json"
expect_exit 0 "secret backup" -- "$CV" --home "$SRC" secret backup --vault-name main --name app --file "$WORK/app.blob"
expect_exit 0 "key backup" -- "$CV" --home "$SRC" key backup --vault-name main --name kek --file "$WORK/kek.blob"
expect_exit 0 "certificate backup" -- "$CV" --home "$SRC" certificate backup --vault-name main --name web --file "$WORK/web.blob"

# --- Enrollment ---
for c in alice bob carol dave; do custodian_token $c; done
for c in alice bob carol; do
  expect_exit 0 "enroll $c" -- as_custodian $c "$CV" custodian enroll --token $c --label $c --out "$WORK/$c.pem"
  expect_eq "$(jq -r .sha256 "$WORK/out")" "$(openssl x509 -in "$WORK/$c.pem" -outform DER | sha256sum | cut -d' ' -f1)" \
    "$c's printed thumbprint is the certificate's SHA-256"
done
expect_exit 4 "enroll twice under one label refused" -- as_custodian alice "$CV" custodian enroll --token alice --label alice --out "$WORK/alice2.pem"
expect_exit 0 "a fourth token, enrolled but not in the transfer" -- as_custodian dave "$CV" custodian enroll --token dave --label dave --out "$WORK/dave.pem"
CUSTS=(--custodian "$WORK/alice.pem" --custodian "$WORK/bob.pem" --custodian "$WORK/carol.pem")

# --- Export: argument checks, the SO PIN, then the real one ---
objects() { SOFTHSM2_CONF="$SRC/softhsm2.conf" pkcs11-tool --module /usr/lib/softhsm/libsofthsm2.so --token-label coldvault \
  --login --pin "$(cat "$SRC/user.pin")" --list-objects 2>/dev/null | grep -c '^[A-Z].*Object'; }
# The export signs an audit checkpoint (docs/audit.md §3), which makes the audit key on first use: made here
# first, so the counts below see only what the export itself leaves.
"$CV" --home "$SRC" audit key >/dev/null
BEFORE=$(objects)
expect_exit 2 "quorum 1 refused" -- "$CV" --home "$SRC" domain export --quorum 1 "${CUSTS[@]}" --file "$WORK/x.cvsd" --so-pin-file "$WORK/so.pin"
expect_exit 2 "two custodians refused" -- "$CV" --home "$SRC" domain export --quorum 2 --custodian "$WORK/alice.pem" \
  --custodian "$WORK/bob.pem" --file "$WORK/x.cvsd" --so-pin-file "$WORK/so.pin"
expect_exit 2 "the same custodian twice refused" -- "$CV" --home "$SRC" domain export --quorum 2 --custodian "$WORK/alice.pem" \
  --custodian "$WORK/bob.pem" --custodian "$WORK/alice.pem" --file "$WORK/x.cvsd" --so-pin-file "$WORK/so.pin"
printf 'wrong-so-pin\n' >"$WORK/bad-so.pin"
expect_exit 11 "wrong SO PIN refused" -- "$CV" --home "$SRC" domain export --quorum 2 "${CUSTS[@]}" --file "$WORK/x.cvsd" --so-pin-file "$WORK/bad-so.pin"
expect_contains "$WORK/err" "SO PIN was refused" "the refusal says the SO PIN was refused"
if [[ -e "$WORK/x.cvsd" ]]; then bad "a refused export wrote a file"; else ok "no file after refusals"; fi
expect_eq "$(objects)" "$BEFORE" "no token object left by refused exports"
expect_exit 0 "custodian registry still empty" -- "$CV" --home "$SRC" custodian list
expect_eq "$(jq length "$WORK/out")" "0" "refused exports registered nobody"

expect_exit 2 "catalogue keys refused for a home with its own SQLite catalogue" -- "$CV" --home "$SRC" domain export \
  --quorum 2 "${CUSTS[@]}" --file "$WORK/x.cvsd" --so-pin-file "$WORK/so.pin" --with-catalogue-keys
expect_contains "$WORK/err" "whose keys never leave the token" "the refusal says why"

NOW=$(date +%s)
expect_exit 0 "export 2 of 3" -- "$CV" --home "$SRC" domain export --quorum 2 "${CUSTS[@]}" --file "$WORK/domain.cvsd" --so-pin-file "$WORK/so.pin"
TID=$(jq -r .transferId "$WORK/out")
SIGNER=$(jq -r .signerSha256 "$WORK/out")
EXPIRES=$(jq -r .expires "$WORK/out")
expect_eq "$(jq -r '[.custodians[] | "\(.x):\(.name)"] | join(",")' "$WORK/out")" "1:alice,2:bob,3:carol" "shares in custodian order"
expect_eq "$(jq -r '.signersMoved | join(",")' "$WORK/out")" "main" "the vault's signing key moves"
expect_eq "$(objects)" "$BEFORE" "the transfer key is gone from the source token"
expect_exit 0 "custodian list" -- "$CV" --home "$SRC" custodian list
expect_eq "$(jq -r '[.[].name] | sort | join(",")' "$WORK/out")" "alice,bob,carol" "the registry lists the three custodians"
expect_exit 4 "export does not overwrite a file" -- "$CV" --home "$SRC" domain export --quorum 2 "${CUSTS[@]}" --file "$WORK/domain.cvsd" --so-pin-file "$WORK/so.pin"
if grep -q "$(printf 'the-secret-value' | base64)" "$WORK/domain.cvsd"; then bad "secret in the file"; else ok "no secret in the transfer file"; fi

# --- Custodians decrypt their shares ---
for c in alice bob carol; do
  expect_exit 0 "$c decrypts her share" -- as_custodian $c "$CV" custodian decrypt-share --file "$WORK/domain.cvsd" --token $c --out "$WORK/$c.share"
  expect_eq "$(jq -r .fileSignerSha256 "$WORK/out")" "$SIGNER" "$c sees the signer read aloud"
  expect_eq "$(stat -c %a "$WORK/$c.share")" "600" "$c's share file is 0600"
done
expect_exit 3 "a token holding none of the file's custodian keys" -- as_custodian dave "$CV" custodian decrypt-share --file "$WORK/domain.cvsd" --token dave --out "$WORK/dave.share"
expect_contains "$WORK/err" "alice" "the refusal names the file's custodians"
expect_exit 2 "an expired file is refused by decrypt-share" -- as_custodian alice "$CV" --now $((EXPIRES + 1)) custodian decrypt-share --file "$WORK/domain.cvsd" --token alice --out "$WORK/late.share"
expect_contains "$WORK/err" "expired" "the refusal says expired"

# --- Import with every 2-subset ---
n=0
for pair in "alice bob" "alice carol" "bob carol"; do
  n=$((n + 1)); T="$WORK/t$n"; set -- $pair
  expect_exit 0 "target $n: init --join" -- "$CV" --home "$T" init --join
  expect_eq "$(jq -r .domainKid "$WORK/out")" "" "target $n: no domain yet"
  expect_exit 3 "target $n: vault create before import refused" -- "$CV" --home "$T" vault create --vault-name main
  expect_exit 3 "target $n: domain trust list before import says so" -- "$CV" --home "$T" domain trust list
  expect_contains "$WORK/err" "domain import" "target $n: and names the next step"
  expect_exit 0 "target $n: import with $1+$2" -- "$CV" --home "$T" domain import --file "$WORK/domain.cvsd" \
    --share "$WORK/$1.share" --share "$WORK/$2.share" --signer-sha256 "$SIGNER"
  expect_eq "$(jq -r .domainKid "$WORK/out")" "$SRC_KID" "target $n: same domain kid"
  expect_exit 0 "target $n: vault create takes the transferred signer" -- "$CV" --home "$T" vault create --vault-name main
  expect_exit 0 "target $n: restore the source's secret" -- "$CV" --home "$T" secret restore --vault-name main --file "$WORK/app.blob"
  expect_exit 0 "target $n: show it" -- "$CV" --home "$T" secret show --vault-name main --name app
  expect_eq "$(jq -r .value "$WORK/out")" "the-secret-value" "target $n: the value came through"
done
T="$WORK/t1"
expect_exit 0 "domain show names both tokens" -- "$CV" --home "$T" domain show
expect_eq "$(jq -r '.tokens | length' "$WORK/out")" "2" "two tokens hold the domain"
expect_eq "$(jq -r '[.tokens[] | select(.thisToken) | .transferId] | join(",")' "$WORK/out")" "$TID" "this token joined by the transfer"
expect_eq "$(jq -r '.transfers[0].event + " " + .transfers[0].transferId' "$WORK/out")" "import $TID" "the import is recorded with its transfer id"
expect_exit 0 "source domain show" -- "$CV" --home "$SRC" domain show
expect_eq "$(jq -r '.transfers[0].event + " " + .transfers[0].transferId' "$WORK/out")" "export $TID" "the export is recorded with its transfer id"
expect_eq "$(jq -r .publicKeyPem "$WORK/out")" "$("$CV" --home "$T" domain show | jq -r .publicKeyPem)" "same domain public key"
expect_exit 0 "target: restore the source's key" -- "$CV" --home "$T" key restore --vault-name main --file "$WORK/kek.blob"
expect_exit 0 "target: the key decrypts what it encrypted at the source" -- "$CV" --home "$T" key decrypt --vault-name main --name kek \
  --algorithm RSA-OAEP --value "$CT"
expect_eq "$(jq -r .value "$WORK/out")" "aGVsbG8gZG9tYWlu" "plaintext from the source's ciphertext"
expect_exit 0 "target: restore the source's certificate" -- "$CV" --home "$T" certificate restore --vault-name main --file "$WORK/web.blob"
# The reverse: a blob made at the target restores at the source.
printf 'made-at-the-target' | "$CV" --home "$T" secret set --vault-name main --name back --file - -o none
expect_exit 0 "target backup" -- "$CV" --home "$T" secret backup --vault-name main --name back --file "$WORK/back.blob"
expect_exit 0 "the source restores the target's blob" -- "$CV" --home "$SRC" secret restore --vault-name main --file "$WORK/back.blob"
# A whole-vault bundle (issue 14) made at the source opens on the target's token: same domain, another token.
expect_exit 0 "source: whole-vault bundle" -- "$CV" --home "$SRC" backup start --vault-name main --file "$WORK/main.cvb"
expect_exit 0 "target: restore the whole vault from it" -- "$CV" --home "$T" restore start --vault-name drsite --file "$WORK/main.cvb"
expect_exit 0 "target: the bundle's key decrypts what it encrypted at the source" -- "$CV" --home "$T" key decrypt \
  --vault-name drsite --name kek --algorithm RSA-OAEP --value "$CT"
expect_eq "$(jq -r .value "$WORK/out")" "aGVsbG8gZG9tYWlu" "plaintext from the source's ciphertext, through the bundle"
expect_exit 0 "target: the bundle's secret" -- "$CV" --home "$T" secret show --vault-name drsite --name app
expect_eq "$(jq -r .value "$WORK/out")" "the-secret-value" "the value came through the bundle"

# --- Refusals at import; each leaves the home without a domain ---
fresh() { rm -rf "$WORK/r"; "$CV" --home "$WORK/r" init --join -o none 2>/dev/null; }
refused() {  # refused EXIT WHAT NEEDLE import-args...
  local code=$1 what=$2 needle=$3; shift 3
  fresh
  expect_exit "$code" "$what" -- "$CV" --home "$WORK/r" domain import "$@"
  expect_contains "$WORK/err" "$needle" "$what: the message names it"
  expect_exit 3 "$what: nothing imported" -- "$CV" --home "$WORK/r" vault create --vault-name main
}
for c in alice bob carol; do
  refused 2 "$c's share alone is too few" "needs 2" --file "$WORK/domain.cvsd" --share "$WORK/$c.share"
done
refused 2 "a share given twice" "repeats share 1" --file "$WORK/domain.cvsd" --share "$WORK/alice.share" --share "$WORK/alice.share"
jq -c '.y = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"' "$WORK/bob.share" >"$WORK/forged.share"
refused 2 "a forged share" "forged.share" --file "$WORK/domain.cvsd" --share "$WORK/alice.share" --share "$WORK/forged.share"
jq -c '.x = 3' "$WORK/bob.share" >"$WORK/wrongx.share"
refused 2 "a share claiming another custodian's number" "wrongx.share" --file "$WORK/domain.cvsd" --share "$WORK/alice.share" --share "$WORK/wrongx.share"
head -c 300 "$WORK/domain.cvsd" >"$WORK/trunc.cvsd"
refused 2 "a truncated file" "transfer file" --file "$WORK/trunc.cvsd" --share "$WORK/alice.share" --share "$WORK/bob.share"
# Tamper with the payload (change the quorum's digit) keeping it valid base64url: the signature fails.
python3 - "$WORK/domain.cvsd" "$WORK/tampered.cvsd" <<'EOF'
import base64, json, sys
h, p, s = open(sys.argv[1]).read().strip().split('.')
d = lambda x: base64.urlsafe_b64decode(x + '=' * (-len(x) % 4))
e = lambda b: base64.urlsafe_b64encode(b).rstrip(b'=').decode()
payload = json.loads(d(p)); payload['expires'] += 86400 * 365
open(sys.argv[2], 'w').write('.'.join([h, e(json.dumps(payload, separators=(',', ':')).encode()), s]) + '\n')
EOF
refused 2 "a file changed after signing" "does not verify" --file "$WORK/tampered.cvsd" --share "$WORK/alice.share" --share "$WORK/bob.share"
refused 2 "a file signed by another certificate than the pinned one" "pinned" --file "$WORK/domain.cvsd" --share "$WORK/alice.share" \
  --share "$WORK/bob.share" --signer-sha256 "$(printf '%064d' 0)"
fresh
expect_exit 2 "an expired file" -- "$CV" --home "$WORK/r" --now $((EXPIRES + 1)) domain import --file "$WORK/domain.cvsd" --share "$WORK/alice.share" --share "$WORK/bob.share"
expect_contains "$WORK/err" "expired" "the refusal says expired"
# A second transfer: its shares do not open the first file.
expect_exit 0 "a second export" -- "$CV" --home "$SRC" domain export --quorum 2 "${CUSTS[@]}" --file "$WORK/second.cvsd" --so-pin-file "$WORK/so.pin"
expect_exit 0 "alice decrypts her second share" -- as_custodian alice "$CV" custodian decrypt-share --file "$WORK/second.cvsd" --token alice --out "$WORK/alice2.share"
refused 2 "a share of another transfer" "alice2.share" --file "$WORK/domain.cvsd" --share "$WORK/alice2.share" --share "$WORK/bob.share"
expect_exit 4 "import into a home that holds the domain" -- "$CV" --home "$WORK/t2" domain import --file "$WORK/domain.cvsd" \
  --share "$WORK/alice.share" --share "$WORK/bob.share"

# --- A second home on the source's own token: the import is refused and the source's keys are untouched ---
shared() { SOFTHSM2_CONF="$SRC/softhsm2.conf" COLDVAULT_PIN="$(cat "$SRC/user.pin")" "$CV" --home "$WORK/shared" "$@"; }
expect_exit 0 "a joined home on the source's token" -- shared init --join --module /usr/lib/softhsm/libsofthsm2.so --token coldvault
expect_exit 4 "import into a token that already holds the domain" -- shared domain import --file "$WORK/domain.cvsd" \
  --share "$WORK/alice.share" --share "$WORK/bob.share"
expect_contains "$WORK/err" "already holds a key of security domain $SRC_KID" "the refusal names the domain"
expect_eq "$(objects)" "$BEFORE" "the source token keeps every object"
expect_exit 0 "the source still signs blobs" -- "$CV" --home "$SRC" secret backup --vault-name main --name app --file "$WORK/app2.blob"
expect_exit 0 "and still opens them" -- "$CV" --home "$WORK/t2" secret restore --vault-name main --file "$WORK/back.blob"

# --- Killed between unwrap and commit: the next import removes the leftovers and succeeds ---
fresh
"$CV" --home "$WORK/r" --test-kill-at domain-import-unwrapped domain import --file "$WORK/domain.cvsd" \
  --share "$WORK/alice.share" --share "$WORK/bob.share" >/dev/null 2>&1
expect_eq "$?" "137" "the import was killed part way"
expect_exit 3 "killed import: no domain in the catalogue" -- "$CV" --home "$WORK/r" vault create --vault-name main
expect_exit 0 "the import run again" -- "$CV" --home "$WORK/r" domain import --file "$WORK/domain.cvsd" --share "$WORK/alice.share" --share "$WORK/bob.share"
expect_exit 0 "and the vault comes" -- "$CV" --home "$WORK/r" vault create --vault-name main
expect_exit 0 "restore works after the rerun" -- "$CV" --home "$WORK/r" secret restore --vault-name main --file "$WORK/app.blob"
N=$(SOFTHSM2_CONF="$WORK/r/softhsm2.conf" pkcs11-tool --module /usr/lib/softhsm/libsofthsm2.so --token-label coldvault --login \
  --pin "$(cat "$WORK/r/user.pin")" --list-objects 2>/dev/null | grep -c "label: *coldvault-domain-$SRC_KID")
expect_eq "$N" "2" "exactly one domain key pair in the token"

# Killed after the commit: the next import only finishes (labels, config.json).
fresh
"$CV" --home "$WORK/r" --test-kill-at domain-import-committed domain import --file "$WORK/domain.cvsd" \
  --share "$WORK/alice.share" --share "$WORK/bob.share" >/dev/null 2>&1
expect_eq "$?" "137" "the import was killed after its commit"
expect_exit 0 "the import run again finishes it, even once the file has expired" -- "$CV" --home "$WORK/r" \
  --now $((EXPIRES + 1)) domain import --file "$WORK/domain.cvsd" --share "$WORK/alice.share" --share "$WORK/bob.share"
expect_eq "$(jq -r .resumed "$WORK/out")" "true" "it says it resumed"
expect_exit 0 "the vault takes over the transferred signer" -- "$CV" --home "$WORK/r" vault create --vault-name main
expect_exit 0 "restore works" -- "$CV" --home "$WORK/r" secret restore --vault-name main --file "$WORK/app.blob"

finish
