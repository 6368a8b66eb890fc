#!/usr/bin/env bash
# Issue 13, item 5, on a second PKCS#11 implementation: custodian alice keeps her key in opencryptoki's software
# token (swtok), bob and carol in SoftHSM; the domain moves between two SoftHSM homes with alice's and bob's
# shares. (A vault itself cannot live in opencryptoki 3.8.1: it lacks AES-GCM, AES key wrap and EC;
# docs/pkcs11-modules.md.) The whole script runs inside hsm/opencryptoki/ock-env, which starts the slot daemon
# and removes it and the token afterwards; it is skipped (exit 0, "skipped") where that cannot run.
OCK="$(cd "$(dirname "$0")/../.." && pwd)/hsm/opencryptoki/ock-env"
if [[ -z ${COLDVAULT_OCK_ENV:-} ]]; then
  export TMPDIR; TMPDIR=$(mktemp -d /tmp/cv-ock-XXXXXX)
  "$OCK" run -- bash "$0" "$@"
  rc=$?
  rm -rf "$TMPDIR"
  if [[ $rc == 77 ]]; then echo "skipped: opencryptoki cannot run here"; exit 0; fi
  exit $rc
fi
source "$(dirname "$0")/lib.bash"
PROVISION="$(cd "$(dirname "$0")/../.." && pwd)/hsm/provision-token"
MOD=$COLDVAULT_TEST_PKCS11_MODULE

# alice: the opencryptoki token (its SO PIN is OCK's public default until initialised; PINs are 4-8 bytes).
pkcs11-tool --module "$MOD" --init-token --label alice --so-pin 87654321 >/dev/null 2>&1
pkcs11-tool --module "$MOD" --login --login-type so --so-pin 87654321 --init-pin --pin alice123 >/dev/null 2>&1
expect_exit 0 "alice enrolls on opencryptoki" -- env COLDVAULT_PIN=alice123 "$CV" custodian enroll --module "$MOD" \
  --token alice --label alice --out "$WORK/alice.pem"
for c in bob carol; do
  printf '%s-so-pin\n' "$c" >"$WORK/$c.so"; printf '%s-pin\n' "$c" >"$WORK/$c.pin"
  "$PROVISION" --so-pin-file "$WORK/$c.so" --pin-file "$WORK/$c.pin" "$WORK/$c" "$c" >/dev/null
  expect_exit 0 "$c enrolls on SoftHSM" -- env SOFTHSM2_CONF="$WORK/$c/softhsm2.conf" "$CV" custodian enroll \
    --token "$c" --label "$c" --out "$WORK/$c.pem" --pin-file "$WORK/$c.pin"
done

printf 'source-so-pin\n' >"$WORK/so.pin"
expect_exit 0 "source init" -- "$CV" --home "$WORK/src" init --vault-name main --so-pin-file "$WORK/so.pin"
printf 'across-modules' | "$CV" --home "$WORK/src" secret set --vault-name main --name app --file - -o none
expect_exit 0 "backup" -- "$CV" --home "$WORK/src" secret backup --vault-name main --name app --file "$WORK/app.blob"
expect_exit 0 "export 2 of 3" -- "$CV" --home "$WORK/src" domain export --quorum 2 --custodian "$WORK/alice.pem" \
  --custodian "$WORK/bob.pem" --custodian "$WORK/carol.pem" --file "$WORK/domain.cvsd" --so-pin-file "$WORK/so.pin"
expect_exit 0 "alice decrypts her share inside opencryptoki" -- env COLDVAULT_PIN=alice123 "$CV" custodian decrypt-share \
  --file "$WORK/domain.cvsd" --module "$MOD" --token alice --out "$WORK/alice.share"
expect_eq "$(jq -r .x "$WORK/out")" "1" "alice's share is share 1"
expect_exit 0 "bob decrypts his share inside SoftHSM" -- env SOFTHSM2_CONF="$WORK/bob/softhsm2.conf" "$CV" custodian \
  decrypt-share --file "$WORK/domain.cvsd" --token bob --out "$WORK/bob.share" --pin-file "$WORK/bob.pin"
expect_exit 0 "target joins" -- "$CV" --home "$WORK/dst" init --join
expect_exit 0 "import with alice (opencryptoki) and bob (SoftHSM)" -- "$CV" --home "$WORK/dst" domain import \
  --file "$WORK/domain.cvsd" --share "$WORK/alice.share" --share "$WORK/bob.share"
expect_exit 0 "vault" -- "$CV" --home "$WORK/dst" vault create --vault-name main
expect_exit 0 "restore the source's blob" -- "$CV" --home "$WORK/dst" secret restore --vault-name main --file "$WORK/app.blob"
expect_exit 0 "show" -- "$CV" --home "$WORK/dst" secret show --vault-name main --name app
expect_eq "$(jq -r .value "$WORK/out")" "across-modules" "the value came through"
# A vault home on opencryptoki is refused naming the mechanism it lacks, and nothing is left on the token.
expect_exit 14 "init --join on opencryptoki refused" -- env COLDVAULT_PIN=alice123 "$CV" --home "$WORK/ockhome" init --join \
  --module "$MOD" --token alice
expect_contains "$WORK/err" "CKM_" "the refusal names the mechanism"
finish
