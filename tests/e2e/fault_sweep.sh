#!/usr/bin/env bash
# Fault sweep: every PKCS#11 call an operation makes is failed once, in turn, by the fault-injecting module
# (tests/faultmod, docs/reliability.md). After each injected failure: a documented HSM exit code (or 0 with a
# correct result), one ERROR line, no bug exit (20) or crash, the catalogue in the old or the new state and
# intact, the next call without a fault succeeds; after the sweep, no token object leaked.
# Ops: secret set, key create, key sign, secret backup, secret restore, key restore, certificate restore, ADE
# restore, init. Bounded: the first SWEEP_MAX (30) calls of each op; SWEEP_ALL=1 sweeps them all;
# SWEEP_OPS="key_restore ..." runs some. SWEEP_STICKY=1 (tests/e2e/fault_sweep_sticky.sh): every call from the
# Nth on fails, for SWEEP_MAX values of N spread over the op's calls (CV_FAULT_STICKY, a token that stays away until the run ends); the same checks, except that token
# objects a failed run made may stay (the token was away when the run tried to remove them): counted, not failed.
source "$(dirname "$0")/lib.bash"
FAULTMOD=${FAULTMOD:?FAULTMOD must name libcv_faultmod.so (set by ctest)}
SOFTHSM=/usr/lib/softhsm/libsofthsm2.so
MAX=${SWEEP_MAX:-30}; [[ ${SWEEP_ALL:-0} == 1 ]] && MAX=1000000
RVS=(CKR_DEVICE_REMOVED CKR_SESSION_HANDLE_INVALID CKR_TOKEN_NOT_PRESENT CKR_GENERAL_ERROR CKR_DEVICE_MEMORY)

export SOFTHSM2_CONF="$WORK/softhsm2.conf"
mkdir -p "$WORK/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$WORK/tokens" >"$SOFTHSM2_CONF"
softhsm2-util --init-token --free --label fault --pin 1234-fault --so-pin 5678-fault >/dev/null
printf '1234-fault\n' >"$WORK/pin"
export COLDVAULT_PIN=1234-fault
expect_exit 0 "init through the fault module (no fault)" -- "$CV" init --module "$FAULTMOD" --token fault
expect_eq "$(jq -r .module "$COLDVAULT_HOME/config.json")" "$FAULTMOD" "the home uses the fault module"
# The audit key pair is made at the first signed checkpoint, which the CLI signs every kCheckpointEvery records:
# made now, so it never counts as two token objects added by whichever swept run reaches that record.
expect_exit 0 "a first checkpoint (makes the audit key)" -- "$CV" audit checkpoint

token_objects() { # every object on the token after the process ends is a token object
  pkcs11-tool --module "$SOFTHSM" --token-label fault --login --pin 1234-fault --list-objects 2>/dev/null |
    grep -c -E '^(Private Key|Public Key|Secret Key|Data|Certificate) [Oo]bject'
}
integrity() { sqlite3 "$COLDVAULT_HOME/catalog.db" 'PRAGMA integrity_check;' 2>&1; }

# sweep OP SETUP STATE CHECK -- command with @N@ for the run number:
#   SETUP N runs before each run (no fault), STATE prints the state to compare, CHECK N EXIT verifies the state
#   after a run (old state if EXIT != 0, new state if 0) and returns non-zero when it is neither.
RUNS=0 AMBIGUOUS=0 STRANDED=0 STRANDED_BY= RECLAIMED=0
STICKY=${SWEEP_STICKY:-0}
sweep() {
  local op=$1 setup=$2 check=$3; shift 4
  local cmd=("$@") m n rc log="$WORK/$op.calls" bad_runs=0
  [[ -z ${SWEEP_OPS:-} || " $SWEEP_OPS " == *" $op "* ]] || return 0  # SWEEP_OPS="key_restore ..." runs some
  run_cmd() { local c=("${cmd[@]//@N@/$1}"); "${c[@]}"; }
  $setup 0
  rm -f "$log"
  local o0 d0 o1; o0=$(token_objects)
  CV_FAULT_COUNT_FILE="$WORK/count" CV_FAULT_LOG="$log" run_cmd 0 >"$WORK/out" 2>"$WORK/err"
  rc=$?
  if [[ $rc != 0 ]]; then bad "$op: the counting run failed (exit $rc): $(head -c 300 "$WORK/err")"; return; fi
  $check 0 0 || { bad "$op: the counting run's result is wrong"; return; }
  m=$(cat "$WORK/count")
  d0=$(($(token_objects) - o0))
  ok "$op makes $m counted PKCS#11 calls"
  # Sticky: MAX points spread over the whole call range (a token that goes away late, after objects were made,
  # is the case the first calls, all of them opening the token, would not reach).
  local step=1 runs=0; [[ $STICKY == 1 ]] && ((m > MAX)) && step=$(((m + MAX - 1) / MAX))
  for ((n = 1; n <= m && (STICKY == 1 || n <= MAX); n += step)); do
    runs=$((runs + 1))
    local rv=${RVS[$((n % ${#RVS[@]}))]} fn
    fn=$(awk -v n="$n" '$1 == n {print $2}' "$log")
    # SoftHSM answers a bad GCM tag or a failed RFC 5649 check with CKR_GENERAL_ERROR, so that code at
    # C_Decrypt or C_UnwrapKey, while the session still answers, is (rightly) read as bytes that do not
    # authenticate (exit 8); the sweep injects an outage there instead.
    [[ ($fn == C_Decrypt || $fn == C_UnwrapKey) && $rv == CKR_GENERAL_ERROR ]] && rv=CKR_DEVICE_REMOVED
    $setup "$n"
    o1=$(token_objects)
    rm -f "$WORK/run.calls"
    CV_FAULT_STICKY=$STICKY CV_FAULT_AT=$n CV_FAULT_RV=$rv CV_FAULT_LOG="$WORK/run.calls" run_cmd "$n" >"$WORK/out" 2>"$WORK/err"
    rc=$?
    fn=$(awk -v n="$n" '$1 == n {print $2}' "$WORK/run.calls")
    RUNS=$((RUNS + 1))
    local why=""
    case $rc in 0 | 10 | 11 | 12) ;;
      # The one ambiguous case: the order of calls can shift between runs (restore into a new vault), so
      # CKR_GENERAL_ERROR may still land on a C_Decrypt or C_UnwrapKey; with SoftHSM, while the session
      # still answers, it means "bad tag" or "failed unwrap check" there (exit 8). Not in a sticky run: the
      # token is gone, the session check after the call fails and the error is an outage.
      8) [[ $STICKY != 1 && ($fn == C_Decrypt || $fn == C_UnwrapKey) && $rv == CKR_GENERAL_ERROR ]] &&
           AMBIGUOUS=$((AMBIGUOUS + 1)) || why="exit $rc" ;;
      # The same case inside a backup blob: its content does not authenticate (BadParameter, exit 2).
      2) [[ $STICKY != 1 && ($fn == C_Decrypt || $fn == C_UnwrapKey) && $rv == CKR_GENERAL_ERROR ]] &&
           grep -q -E "authentication failed|does not unwrap" "$WORK/err" &&
           AMBIGUOUS=$((AMBIGUOUS + 1)) || why="exit $rc" ;;
      *) why="exit $rc" ;;
    esac
    if [[ $rc != 0 && $rc != 8 ]]; then
      [[ $(wc -l <"$WORK/err") == 1 ]] && grep -q '^ERROR: ' "$WORK/err" || why+=" stderr is not one ERROR line"
    fi
    grep -q -E 'AddressSanitizer|runtime error|terminate called|Segmentation' "$WORK/err" && why+=" crash report"
    [[ $(integrity) == ok ]] || why+=" integrity_check: $(integrity | head -c 200)"
    # token objects: a failed run adds none, a successful one what the counting run added (counted before
    # the check, whose retry of a failed run may add its own)
    local d=$(($(token_objects) - o1)) want=0; [[ $rc == 0 ]] && want=$d0
    if [[ $STICKY == 1 && $rc != 0 ]]; then
      ((d >= 0 && d <= d0)) || why+=" token objects +$d (wanted 0 .. +$d0)"
      ((d > 0)) && STRANDED=$((STRANDED + 1)) && STRANDED_BY+="$op "
    else
      [[ $d == "$want" ]] || why+=" token objects +$d (wanted +$want)"
    fi
    $check "$n" "$rc" || why+=" catalogue neither old nor new"
    # What a failed run stranded, the check's retry of the operation (the token back) must reclaim: after it
    # the token holds what one successful run adds, no more.
    if [[ $STICKY == 1 && $rc != 0 ]] && ((d > 0)); then
      local after=$(($(token_objects) - o1))
      ((after <= d0)) && RECLAIMED=$((RECLAIMED + 1)) || why+=" the retry left +$after token objects (wanted at most +$d0)"
    fi
    if [[ -n $why ]]; then
      bad_runs=$((bad_runs + 1))
      bad "$op N=$n ($fn, $rv):$why: $(head -c 300 "$WORK/err")"
    fi
  done
  [[ $bad_runs == 0 ]] && ok "$op: every injected failure left the old or the new state ($runs runs)"
}

# --- secret set: versions count is old (k) or new (k+1), and the next read works.
expect_exit 0 "first version" -- "$CV" secret set --vault-name default --name s --file "$WORK/pin" -o none
versions() { "$CV" "$@" >"$WORK/v.json" 2>"$WORK/v.err" && jq length "$WORK/v.json"; }
S_BEFORE=0
set_setup() { S_BEFORE=$(versions secret list-versions --vault-name default --name s); }
set_check() { # N EXIT
  local now; now=$(versions secret list-versions --vault-name default --name s) || return 1
  if [[ $2 == 0 ]]; then
    [[ $now == $((S_BEFORE + 1)) ]] || return 1
    "$CV" secret show --vault-name default --name s >"$WORK/v.json" 2>/dev/null || return 1
    [[ $(jq -r .value "$WORK/v.json") == "value-$1" ]]
  else
    [[ $now == "$S_BEFORE" ]] && "$CV" secret show --vault-name default --name s >/dev/null 2>&1
  fi
}
sweep secret_set set_setup set_check -- \
  bash -c 'printf "value-%s" "$2" | "$1" secret set --vault-name default --name s --file - -o none' _ "$CV" @N@

# --- key create (EC P-256, a new version of one key each run).
K_BEFORE=0
kc_setup() { K_BEFORE=$(versions key list-versions --vault-name default --name k 2>/dev/null) || K_BEFORE=0; }
kc_check() {
  local now; now=$(versions key list-versions --vault-name default --name k) || now=0
  if [[ $2 == 0 ]]; then [[ $now == $((K_BEFORE + 1)) ]] && "$CV" key show --vault-name default --name k >/dev/null 2>&1
  else [[ $now == "$K_BEFORE" ]]; fi
}
sweep key_create kc_setup kc_check -- "$CV" key create --vault-name default --name k --kty EC --curve P-256 -o none

# --- key sign: no state; a success must be a signature, and the next sign works.
D256=$(printf 'fault sweep digest' | openssl dgst -sha256 -binary | basenc --base64url | tr -d '=')
ks_setup() { :; }
ks_check() {
  if [[ $2 == 0 ]]; then [[ -n $(jq -r '.value // empty' "$WORK/out") ]] || return 1; fi
  "$CV" key sign --vault-name default --name k --algorithm ES256 --value "$D256" >/dev/null 2>&1
}
sweep key_sign ks_setup ks_check -- "$CV" key sign --vault-name default --name k --algorithm ES256 --value "$D256"

# --- secret backup: a failure leaves no file, a success a blob that restores.
sb_setup() { :; }
sb_check() {
  local f="$WORK/b-$1.blob"
  if [[ $2 == 0 ]]; then [[ -s $f ]]; else [[ ! -e $f ]]; fi
}
sweep secret_backup sb_setup sb_check -- "$CV" secret backup --vault-name default --name s --file "$WORK/b-@N@.blob"
cp "$WORK/b-0.blob" "$WORK/s.blob" 2>/dev/null ||
  "$CV" secret backup --vault-name default --name s --file "$WORK/s.blob" >/dev/null 2>&1
S_VERSIONS=$(versions secret list-versions --vault-name default --name s)

# --- secret restore: into a fresh vault per run; a failure leaves no secret, a success every version.
sr_setup() { "$CV" vault create --vault-name "rst-$1" >/dev/null 2>&1; }
sr_check() {
  if [[ $2 == 0 ]]; then
    [[ $(restore_state secret_restore "rst-$1" "$S_VERSIONS") == whole ]]
  else
    [[ $(restore_state secret_restore "rst-$1" "$S_VERSIONS") == absent ]] || return 1
    # the next restore without a fault succeeds
    "$CV" secret restore --vault-name "rst-$1" --file "$WORK/s.blob" -o none >/dev/null 2>&1
  fi
}
sweep secret_restore sr_setup sr_check -- "$CV" secret restore --vault-name "rst-@N@" --file "$WORK/s.blob" -o none

# --- key restore: into a fresh vault per run; a failure leaves no key, a success every version.
"$CV" key show --vault-name default --name k >/dev/null 2>&1 ||
  "$CV" key create --vault-name default --name k --kty EC --curve P-256 -o none >/dev/null 2>&1
expect_exit 0 "key backup for the restore sweep" -- "$CV" key backup --vault-name default --name k --file "$WORK/k.blob"
K_VERSIONS=$(versions key list-versions --vault-name default --name k)
kr_setup() { "$CV" vault create --vault-name "krs-$1" >/dev/null 2>&1; }
kr_check() {
  if [[ $2 == 0 ]]; then
    [[ $(restore_state key_restore "krs-$1" "$K_VERSIONS") == whole ]]
  else
    [[ $(restore_state key_restore "krs-$1" "$K_VERSIONS") == absent ]] || return 1
    "$CV" key restore --vault-name "krs-$1" --file "$WORK/k.blob" -o none >/dev/null 2>&1
  fi
}
sweep key_restore kr_setup kr_check -- "$CV" key restore --vault-name "krs-@N@" --file "$WORK/k.blob" -o none

# --- certificate restore: into a fresh vault per run; a failure leaves no certificate, key or secret of that
# name, a success all three with every version.
cat >"$WORK/ec.json" <<'EOF'
{"key_props": {"exportable": true, "kty": "EC", "crv": "P-256", "reuse_key": false},
 "secret_props": {"contentType": "application/x-pem-file"},
 "x509_props": {"subject": "CN=sweep.example", "validity_months": 6}, "issuer": {"name": "Self"}}
EOF
expect_exit 0 "a certificate for the restore sweep" -- \
  "$CV" certificate create --vault-name default --name c --policy "@$WORK/ec.json" -o none
expect_exit 0 "certificate backup" -- "$CV" certificate backup --vault-name default --name c --file "$WORK/c.blob"
C_VERSIONS=$(versions certificate list-versions --vault-name default --name c)
cr_setup() { "$CV" vault create --vault-name "crs-$1" >/dev/null 2>&1; }
cr_check() {
  local now; now=$(restore_state cert_restore "crs-$1" "$C_VERSIONS")
  if [[ $2 == 0 ]]; then
    [[ $now == whole ]]
  else
    [[ $now == absent ]] || return 1
    "$CV" certificate restore --vault-name "crs-$1" --file "$WORK/c.blob" -o none >/dev/null 2>&1
  fi
}
sweep cert_restore cr_setup cr_check -- "$CV" certificate restore --vault-name "crs-@N@" --file "$WORK/c.blob" -o none

# --- ADE restore (KEK and BEK of an encryption-info file in one step): both or neither, the BEK bytes intact.
expect_exit 0 "a KEK for the ADE sweep" -- \
  "$CV" key create --vault-name default --name vm-kek --kty RSA-HSM --size 2048 -o none
expect_exit 0 "a BEK wrapped by it" -- "$CV" disk-key create --vault-name default --machine vm-one --kek vm-kek
BEK=$(jq -r .name "$WORK/out")
"$CV" disk-key unwrap --vault-name default --name "$BEK" --file "$WORK/bek.src" >/dev/null 2>&1
expect_exit 0 "ade export for the restore sweep" -- \
  "$CV" ade export --vault-name default --machine vm-one --file "$WORK/ade.json"
ar_setup() { "$CV" vault create --vault-name "ade-$1" >/dev/null 2>&1; }
ar_check() {
  if [[ $2 != 0 ]]; then
    [[ $(restore_state ade_restore "ade-$1" 1) == absent ]] || return 1
    "$CV" ade restore --vault-name "ade-$1" --file "$WORK/ade.json" -o none >/dev/null 2>&1 || return 1
  fi
  [[ $(restore_state ade_restore "ade-$1" 1) == whole ]] && cmp -s "$WORK/bek.src" "$WORK/bek.ade-$1"
}
sweep ade_restore ar_setup ar_check -- "$CV" ade restore --vault-name "ade-@N@" --file "$WORK/ade.json" -o none

# --- init: a new home per run on the same token (its own domain, its own vault name). A failure leaves no
# config.json (nothing that claims to be a home) and the same init again works; a success, or that retry, a
# home that stores and reads a secret. Any catalogue it made passes integrity_check.
in_setup() { :; }
in_check() {
  local h="$WORK/ih-$1"
  if [[ -e $h/catalog.db ]]; then
    [[ $(sqlite3 "$h/catalog.db" 'PRAGMA integrity_check;' 2>&1) == ok ]] || return 1
  fi
  if [[ $2 != 0 ]]; then
    [[ ! -e $h/config.json ]] || return 1
    "$CV" --home "$h" init --module "$FAULTMOD" --token fault --vault-name "init-$1" >/dev/null 2>&1 || return 1
  fi
  printf 'v' | "$CV" --home "$h" secret set --vault-name "init-$1" --name s --file - -o none >/dev/null 2>&1 &&
    "$CV" --home "$h" secret show --vault-name "init-$1" --name s >/dev/null 2>&1
}
sweep init in_setup in_check -- \
  "$CV" --home "$WORK/ih-@N@" init --module "$FAULTMOD" --token fault --vault-name "init-@N@"

# --- The module's other switches: one function only, and a token that stays removed.
"$CV" key show --vault-name default --name k >/dev/null 2>&1 ||
  "$CV" key create --vault-name default --name k --kty EC --curve P-256 -o none >/dev/null 2>&1
D256=$(printf 'fault sweep digest' | openssl dgst -sha256 -binary | basenc --base64url | tr -d '=')
expect_exit 10 "CV_FAULT_FUNC=C_Sign fails the sign itself" -- \
  env CV_FAULT_FUNC=C_Sign CV_FAULT_AT=1 "$CV" key sign --vault-name default --name k --algorithm ES256 --value "$D256"
expect_contains "$WORK/err" "CKR_DEVICE_REMOVED" "the injected code is in the error"
injected() { grep -c ' injected$' "$WORK/calls"; }
rm -f "$WORK/calls"
expect_exit 0 "CV_FAULT_AT=5 (opening the token): coldvault's retry recovers from one failed call" -- \
  env CV_FAULT_AT=5 CV_FAULT_LOG="$WORK/calls" "$CV" secret show --vault-name default --name s
expect_eq "$(injected)" "1" "without CV_FAULT_STICKY only call 5 is failed"
rm -f "$WORK/calls"
expect_exit 10 "CV_FAULT_STICKY: a token removed from call 5 on" -- \
  env CV_FAULT_STICKY=1 CV_FAULT_AT=5 CV_FAULT_RV=CKR_TOKEN_NOT_PRESENT CV_FAULT_LOG="$WORK/calls" \
  "$CV" secret show --vault-name default --name s
expect_eq "$(($(injected) > 1))" "1" "with CV_FAULT_STICKY the calls after 5 fail too ($(injected))"
expect_exit 0 "the token back: the same read works" -- "$CV" secret show --vault-name default --name s

echo "# $RUNS faulted runs, $AMBIGUOUS with CKR_GENERAL_ERROR at C_Decrypt or C_UnwrapKey read as bytes that do not authenticate (exit 8, or 2 in a blob)"
if [[ $STICKY == 1 ]]; then
  by=$(tr ' ' '\n' <<<"$STRANDED_BY" | sed '/^$/d' | sort | uniq -c | awk '{printf "%s%s x%s", (NR > 1 ? ", " : ""), $2, $1}')
  echo "# sticky: $STRANDED failed runs left token objects they made (the token was away for their removal): ${by:-none};" \
    "$RECLAIMED of them reclaimed by the retry once the token was back"
fi
finish
