#!/usr/bin/env bash
# A crashing coldvault leaves no core dump (its memory holds PINs, session tokens and secret values while
# they are in use): the CLI makes itself non-dumpable at start. The control run with
# COLDVAULT_ALLOW_CORE_DUMPS=1 shows that this kernel would otherwise write a core where the test looks, so
# the check cannot pass by accident; where the kernel's core_pattern hands cores to a collector (a pipe),
# there is nowhere to look and the script says so.
source "$(dirname "$0")/lib.bash"
ulimit -c unlimited
pattern=$(cat /proc/sys/kernel/core_pattern)
if [[ "$pattern" == "|"* ]]; then
  echo "skipped: core_pattern is a pipe to a collector ($pattern); the cores are not visible here"
  finish
  exit
fi
if [[ "$pattern" == /* ]]; then where=$(dirname "$pattern"); else where="$WORK/cwd"; fi
mkdir -p "$WORK/cwd" "$WORK/tmp"
CV=$(realpath "$CV")  # the server runs from $WORK/cwd

# Starts `serve --ephemeral`, waits for its ready line, sends SIGSEGV; prints the names of new core files.
crash() {
  local before after
  before=$(ls "$where" 2>/dev/null | sort)
  (cd "$WORK/cwd" && exec env TMPDIR="$WORK/tmp" "$@" "$CV" serve --ephemeral --vault-name crashy --port 0 >"$WORK/out" 2>"$WORK/err") &
  local pid=$!
  for _ in $(seq 1 200); do grep -q "^coldvault serve: ready" "$WORK/err" 2>/dev/null && break; sleep 0.05; done
  kill -SEGV "$pid" || cat "$WORK/err" >&2
  wait "$pid"
  echo "exit $?" >"$WORK/rc"
  after=$(ls "$where" 2>/dev/null | sort)
  comm -13 <(echo "$before") <(echo "$after") | grep -i core || true
}

made=$(crash env COLDVAULT_ALLOW_CORE_DUMPS=1)
if [[ -z "$made" ]]; then
  echo "skipped: even with COLDVAULT_ALLOW_CORE_DUMPS=1 no core appeared in $where (core_pattern '$pattern')"
  finish
  exit
fi
ok "control: with COLDVAULT_ALLOW_CORE_DUMPS=1 the kernel writes a core ($made)"
for f in $made; do rm -f "$where/$f"; done

made=$(crash env)
expect_eq "$(cat "$WORK/rc")" "exit 139" "the server died of the SIGSEGV"
expect_eq "$made" "" "no core file was written"
rm -rf "$WORK/tmp"
finish
