#!/usr/bin/env bash
# coldvault.service sets MemoryDenyWriteExecute=yes; this runs init, secret set/show and serve (to ready,
# with its TLS certificate issued) under the kernel's equivalent, prctl(PR_SET_MDWE, REFUSE_EXEC_GAIN):
# no writable+executable mapping, no mapping made executable later. If OpenSSL, SQLite or SoftHSM needed
# one, a verb would die here. systemd enforces the same rule with seccomp; this needs no systemd.
# 77 (skip) on kernels before 6.3, which lack PR_SET_MDWE.
source "$(dirname "$0")/../e2e/lib.bash"
REAL=$CV
cat >"$WORK/mdwe" <<'PY'
import ctypes, mmap, os, sys
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(65, 1, 0, 0, 0) != 0:  # PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN
    sys.exit(77)
if sys.argv[1] == "--probe":  # the rule holds: a W+X mapping is refused
    try:
        mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    except PermissionError:
        sys.exit(0)
    sys.exit(1)
os.execv(sys.argv[1], sys.argv[1:])
PY
python3 "$WORK/mdwe" --probe; rc=$?
[[ $rc == 77 ]] && { echo "kernel has no PR_SET_MDWE"; exit 77; }
expect_eq "$rc" "0" "under the wrapper a writable+executable mapping is refused"
printf '#!/bin/sh\nexec python3 %q %q "$@"\n' "$WORK/mdwe" "$REAL" >"$WORK/cv"
chmod +x "$WORK/cv"
CV=$WORK/cv
expect_exit 0 "init under MDWE (token, domain key, TLS CA)" -- "$CV" init --vault-name main
printf 'mdwe-value' >"$WORK/v"
expect_exit 0 "secret set under MDWE" -- "$CV" secret set --vault-name main --name s --file "$WORK/v"
expect_exit 0 "secret show under MDWE" -- "$CV" secret show --vault-name main --name s
expect_eq "$(jq -r .value "$WORK/out")" "mdwe-value" "the value round-trips"
start_serve serve --vault-name main --listen 127.0.0.1:0
ok "serve reaches ready under MDWE (server certificate issued, TLS context built)"
expect_exit 0 "a TLS handshake with the server under MDWE" -- \
  bash -c "curl -sS --cacert '$CERT' -o /dev/null -w '%{http_code}' 'https://127.0.0.1:$PORT/secrets?api-version=7.5'"
stop_server
finish
