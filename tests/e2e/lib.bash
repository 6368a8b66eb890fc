# Helpers for end-to-end tests: a fresh home per script, assertions that print what failed.
set -uo pipefail
CV=${1:?usage: $0 path/to/coldvault}
WORK=$(mktemp -d /tmp/cv-e2e-XXXXXX)
export COLDVAULT_HOME="$WORK/home"
# These scripts check docs/errors.md's exit codes and the REST-shaped JSON; az's defaults are
# az_script.sh's subject.
export COLDVAULT_EXIT_CODES=detailed COLDVAULT_OUTPUT_SHAPE=rest
unset COLDVAULT_PIN
trap 'rm -rf "$WORK"' EXIT
FAILED=0
PASSED=0
ok() { PASSED=$((PASSED + 1)); echo "ok - $*"; }
bad() { FAILED=$((FAILED + 1)); echo "FAIL - $*"; }
# expect_exit CODE DESCRIPTION -- command...: runs it, stdout to $WORK/out, stderr to $WORK/err
expect_exit() {
  local want=$1 what=$2; shift 3
  "$@" >"$WORK/out" 2>"$WORK/err"
  local got=$?
  if [[ $got == "$want" ]]; then ok "$what"; else bad "$what (exit $got, wanted $want): $(head -c 400 "$WORK/err")"; fi
}
expect_eq() { if [[ "$1" == "$2" ]]; then ok "$3"; else bad "$3: got '$1', wanted '$2'"; fi; }
expect_ne() { if [[ "$1" != "$2" ]]; then ok "$3"; else bad "$3: both are '$1'"; fi; }
expect_contains() { if grep -q -- "$2" "$1"; then ok "$3"; else bad "$3: '$2' not in $(head -c 300 "$1")"; fi; }
finish() { echo "$PASSED passed, $FAILED failed"; [[ $FAILED == 0 ]]; }
# stop_server: stops the server start_serve started (if any) and waits for it; safe to call twice.
SERVER_PID=""
stop_server() {
  if [[ -n $SERVER_PID ]]; then kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; fi
  SERVER_PID=""
}
# start_serve NAME serve-args...: runs `coldvault serve` in the background with its output in $WORK/NAME.out and
# .err, waits for the "clients must trust it" line (bounded by the server's exit, not by a clock), and sets
# SERVER_PID, PORT and CERT. On a server that exits it fails the script.
start_serve() {
  local name=$1; shift
  "$CV" serve "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
  SERVER_PID=$!
  until grep -q "clients must trust it" "$WORK/$name.out" 2>/dev/null; do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then bad "serve exited: $(cat "$WORK/$name.err")"; SERVER_PID=""; finish; exit 1; fi
    sleep 0.1
  done
  PORT=$(grep -o 'https://127.0.0.1:[0-9]*' "$WORK/$name.out" | grep -o '[0-9]*$')
  CERT=$(sed -n 's/.*clients must trust it): //p' "$WORK/$name.out")
}
# version_count ARGS...: the number of versions `coldvault ARGS` (a list-versions) prints, "absent" when it
# exits 3 (not found), "error:N" for any other exit.
version_count() {
  "$CV" "$@" >"$WORK/vc.json" 2>/dev/null
  case $? in 0) jq length "$WORK/vc.json" ;; 3) echo absent ;; *) echo "error:$?" ;; esac
}
# restore_state OP VAULT N: what a restore left in VAULT, shared by the kill test and the fault sweep. "whole":
# every part with N versions and readable; "absent": no part of it; else the parts' version counts. OP is
# secret_restore (secret s), key_restore (key k), cert_restore (certificate, secret and key c) or ade_restore
# (key vm-kek and the secret $BEK, whose bytes `disk-key unwrap` writes to $WORK/bek.VAULT).
restore_state() {
  local op=$1 v=$2 n=$3 a b c
  case $op in
    secret_restore) a=$(version_count secret list-versions --vault-name "$v" --name s)
      [[ $a == "$n" ]] && "$CV" secret show --vault-name "$v" --name s >/dev/null 2>&1 && a=whole ;;
    key_restore) a=$(version_count key list-versions --vault-name "$v" --name k)
      [[ $a == "$n" ]] && "$CV" key show --vault-name "$v" --name k >/dev/null 2>&1 && a=whole ;;
    cert_restore) a=$(version_count certificate list-versions --vault-name "$v" --name c)
      b=$(version_count secret list-versions --vault-name "$v" --name c)
      c=$(version_count key list-versions --vault-name "$v" --name c)
      case $a/$b/$c in "$n/$n/$n") a=whole ;; absent/absent/absent) a=absent ;; *) a=$a/$b/$c ;; esac ;;
    ade_restore) a=$(version_count key list-versions --vault-name "$v" --name vm-kek)
      b=$(version_count secret list-versions --vault-name "$v" --name "$BEK")
      case $a/$b in
        "$n/$n") "$CV" disk-key unwrap --vault-name "$v" --name "$BEK" --file "$WORK/bek.$v" >/dev/null 2>&1 &&
                   a=whole || a="$a/$b, the BEK does not unwrap" ;;
        absent/absent) a=absent ;;
        *) a=$a/$b ;;
      esac ;;
    *) a="restore_state: unknown operation $op" ;;
  esac
  echo "$a"
}
