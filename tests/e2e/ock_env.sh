#!/usr/bin/env bash
# hsm/opencryptoki/ock-env: the slot daemon lives exactly as long as the command, even when the script is
# killed, and neither it nor its token folder is left behind.
source "$(dirname "$0")/lib.bash"
OCK="$(cd "$(dirname "$0")/../.." && pwd)/hsm/opencryptoki/ock-env"
# ock-env makes its folder in $TMPDIR: a private one, so another run (ctest -j) cannot be mistaken for ours.
export TMPDIR="$WORK/tmp"
mkdir -p "$TMPDIR"

"$OCK" run -- true 2>"$WORK/err"
rc=$?
if [[ $rc == 77 ]]; then echo "skipped: $(cat "$WORK/err")"; exit 0; fi
expect_eq "$rc" 0 "run -- true succeeds"
folders() { find "$TMPDIR" -maxdepth 1 -name 'coldvault-ock-*' | sort; }
before=$(folders)

expect_exit 3 "the command's exit status comes back" -- "$OCK" run -- sh -c 'exit 3'
expect_exit 0 "inside: the daemon's socket answers and the token is there, uninitialised" -- \
  "$OCK" run -- sh -c 'pkcs11-tool --module "$COLDVAULT_TEST_PKCS11_MODULE" -L | grep -q "token state:   uninitialized"'
expect_exit 0 "inside: the module and the tests' variables are set" -- \
  "$OCK" run -- sh -c '[ "$COLDVAULT_TEST_PKCS11" = opencryptoki ] && [ -x "$COLDVAULT_OCK_ENV" ]'
expect_exit 0 "inside: reset-token gives an empty token again" -- "$OCK" run -- sh -c '
  pkcs11-tool --module "$COLDVAULT_TEST_PKCS11_MODULE" --init-token --label x --so-pin 87654321 >/dev/null &&
  "$COLDVAULT_OCK_ENV" reset-token &&
  pkcs11-tool --module "$COLDVAULT_TEST_PKCS11_MODULE" -L | grep -q "token state:   uninitialized"'
expect_exit 2 "reset-token outside run is refused" -- "$OCK" reset-token
expect_contains "$WORK/err" "only inside" "and says why"
expect_eq "$(folders)" "$before" "no token folder left by the runs"

# Killed mid-run: the namespace (daemon, command) dies with it. The sleep's PID namespace identifies it.
marker="ock-env-e2e-$$"
"$OCK" run -- bash -c "exec -a $marker sleep 600" &
runner=$!
ns=""
while kill -0 "$runner" 2>/dev/null && [[ -z $ns ]]; do
  pid=$(pgrep -f "^$marker" | head -1)
  [[ -n $pid ]] && ns=$(readlink "/proc/$pid/ns/pid" 2>/dev/null)
  sleep 0.05  # polling, not a deadline: the loop ends when the command shows up or the runner exits
done
echo "# command pid ${pid:-none}, namespace ${ns:-none}"
if [[ -z $ns ]]; then bad "the command never started"; else ok "command running in its own PID namespace"; fi
in_ns() { local p; for p in /proc/[0-9]*; do [[ $(readlink "$p/ns/pid" 2>/dev/null) == "$ns" ]] && echo "${p#/proc/} $(cat "$p/comm" 2>/dev/null)"; done; }
inside=$(in_ns)
if grep -q pkcsslotd <<<"$inside"; then ok "pkcsslotd runs in that namespace"; else bad "no pkcsslotd in the namespace: $inside"; fi
kill -TERM "$runner"
wait "$runner"
left=$(in_ns)
expect_eq "$left" "" "after kill: nothing of the namespace is left"
expect_eq "$(folders)" "$before" "after kill: the token folder is gone"
finish
