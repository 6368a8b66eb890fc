#!/usr/bin/env bash
# systemd accepts coldvault.service (systemd-analyze verify: syntax, ExecStart binary, man pages of
# Documentation=) and its exposure score stays "OK" or better. 77 (skip) when systemd-analyze is missing.
# usage: systemd_unit.sh UNIT COLDVAULT [MAN_DIR]: ExecStart and Documentation are pointed at COLDVAULT and
# MAN_DIR (default: the build's generated pages), so the build tree and an unpacked .deb both verify.
source "$(dirname "$0")/../e2e/lib.bash" "$2"
UNIT=${1:?usage: $0 unit coldvault [man-dir]}
CV=$(realpath "$CV")
MAN=$(realpath "${3:-$(dirname "$CV")/packaging/man}")
command -v systemd-analyze >/dev/null || { echo "systemd-analyze not installed"; exit 77; }
mkdir -p "$WORK/units"
sed "s#/usr/bin/coldvault#$CV#" "$UNIT" >"$WORK/units/coldvault.service"
expect_exit 0 "systemd-analyze verify accepts the unit" -- env MANPATH="$MAN" systemd-analyze verify "$WORK/units/coldvault.service"
expect_eq "$(cat "$WORK/err")" "" "verify prints no warning"
expect_exit 0 "systemd-analyze security scores the unit" -- systemd-analyze security --offline=true "$WORK/units/coldvault.service"
score=$(sed -n 's/.*Overall exposure level for coldvault.service: \([0-9.]*\) \([A-Z]*\).*/\1 \2/p' "$WORK/out")
echo "exposure: $score"
expect_eq "${score#* }" "OK" "exposure level is OK (docs/install.md records the score)"
for d in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes MemoryDenyWriteExecute=yes \
         StateDirectory=coldvault "LoadCredential=pin:/etc/coldvault/pin" RestrictAddressFamilies= User=coldvault; do
  expect_contains "$UNIT" "^$d" "the unit sets $d"
done
expect_contains "$UNIT" 'pin-file ${CREDENTIALS_DIRECTORY}/pin' "the PIN comes from the credential, not argv"
finish
