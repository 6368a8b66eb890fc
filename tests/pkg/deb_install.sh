#!/usr/bin/env bash
# The .deb unpacked into a throwaway root (dpkg -x: no root, no dpkg database touched) runs from its own
# files: --version, init / secret set / secret show with a throwaway HOME, its man pages, completion and
# unit. Its Depends are the computed ones (dpkg-shlibdeps) plus the dlopen'ed SoftHSM module.
# usage: deb_install.sh path/to/coldvault_*.deb   (scripts/test's package stage; scripts/package makes it)
DEB=${1:?usage: $0 coldvault_VERSION_ARCH.deb}
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../e2e/lib.bash" /nonexistent
ROOT=$WORK/root
expect_exit 0 "dpkg -x unpacks the package" -- dpkg -x "$DEB" "$ROOT"
CV=$ROOT/usr/bin/coldvault
dpkg-deb -f "$DEB" Depends >"$WORK/depends"
for d in 'libsofthsm2' 'libc6 (>= ' 'libssl3 (>= ' 'libsqlite3-0 (>= ' 'libp11-kit0 (>= ' 'libstdc++6 (>= '; do
  expect_contains "$WORK/depends" "$d" "Depends names $d"
done
# What `apt-get install ./coldvault_*.deb` would do on this machine, simulated (-s: nothing installed): every
# Depends resolves from the configured archive.
expect_exit 0 "apt-get resolves the package's Depends (simulated install)" -- \
  apt-get install -s -q "$(realpath "$DEB")"
expect_contains "$WORK/out" "^Inst coldvault " "the simulated install installs coldvault"
version=$(dpkg-deb -f "$DEB" Version)
expect_exit 0 "the installed binary runs" -- "$CV" --version
expect_eq "$(cat "$WORK/out")" "coldvault $version" "--version matches the package version"
# ldd: every library the binary needs resolves from the system (the Depends above bring them).
expect_exit 0 "ldd" -- ldd "$CV"
if grep -q "not found" "$WORK/out"; then bad "unresolved libraries: $(grep 'not found' "$WORK/out")"; else ok "every linked library resolves"; fi

# A throwaway HOME and no COLDVAULT_HOME: the default home under ~/.local/share, as a new user would get.
unset COLDVAULT_HOME
export HOME=$WORK/home
mkdir -p "$HOME"
expect_exit 0 "init from the installed files" -- "$CV" init --vault-name main
expect_eq "$(jq -r .vault "$WORK/out")" "main" "init made the vault"
expect_eq "$(test -f "$HOME/.local/share/coldvault/config.json" && echo yes)" "yes" "the home is in ~/.local/share/coldvault"
printf 'from-the-deb' >"$WORK/v"
expect_exit 0 "secret set from the installed files" -- "$CV" secret set --vault-name main --name pkg --file "$WORK/v"
expect_exit 0 "secret show from the installed files" -- "$CV" secret show --vault-name main --name pkg
expect_eq "$(jq -r .value "$WORK/out")" "from-the-deb" "the value round-trips"

# Manuals, completion, unit, as installed.
man -l "$ROOT/usr/share/man/man1/coldvault-secret.1.gz" >"$WORK/man.txt" 2>/dev/null
expect_contains "$WORK/man.txt" "--vault-name" "the installed coldvault-secret(1) renders with its flags"
for p in man1/coldvault.1.gz man5/coldvault-blob.5.gz man5/coldvault-bundle.5.gz man5/coldvault-domain-transfer.5.gz; do
  expect_eq "$(test -s "$ROOT/usr/share/man/$p" && echo yes)" "yes" "installs $p"
done
expect_exit 0 "the installed completion loads" -- bash -c "source '$ROOT/usr/share/bash-completion/completions/coldvault' && complete -p coldvault"
expect_exit 0 "the installed unit verifies against the installed binary and manuals" -- \
  bash "$here/systemd_unit.sh" "$ROOT/usr/lib/systemd/system/coldvault.service" "$CV" "$ROOT/usr/share/man"
for s in postinst prerm postrm; do
  dpkg-deb --ctrl-tarfile "$DEB" | tar -xO "./$s" >"$WORK/$s"
  expect_exit 0 "$s is valid sh" -- sh -n "$WORK/$s"
done
expect_eq "$(test -s "$ROOT/usr/share/doc/coldvault/install.md" && echo yes)" "yes" "installs docs/install.md"
finish
