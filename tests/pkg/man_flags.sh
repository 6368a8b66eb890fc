#!/usr/bin/env bash
# The generated man pages name exactly the flags the CLI's --help shows, verb by verb, for every command
# group (coldvault-GROUP(1)) and the global ones (coldvault(1)): the pages cannot drift from the code.
# usage: man_flags.sh path/to/coldvault path/to/generated/man
source "$(dirname "$0")/../e2e/lib.bash"
MAN=${2:?usage: $0 coldvault man-dir}
export LC_ALL=C.UTF-8 MANWIDTH=250

# Flags of `coldvault PATH... --help`, one per line, sorted (without -h/--help, which no page lists).
help_flags() {
  "$CV" "$@" --help | awk '/^Options:$/{o=1;next} /^[A-Z][a-z]*:$/{o=0} o && /^  -/{print $1}' |
    tr ',' '\n' | grep -vx -e -h -e --help | sort
}
help_verbs() { "$CV" "$@" --help | awk '/^Subcommands:$/{s=1;next} /^[A-Z][a-z]*:$/{s=0} s && /^  [a-z]/{print $1}'; }
# Flags the rendered page lists in the part headed HEADING (a verb's subsection or a top-level section).
man_flags() {
  local page=$1 heading=$2 txt=$WORK/$(basename "$1").txt
  [[ -f $txt ]] || man -l "$page" >"$txt" 2>/dev/null  # render each page once
  awk -v h="$heading" '
    $0 == h || $0 == "   " h {on=1; next}
    on && (/^[A-Z]/ || /^   coldvault /) {exit}
    on && /^       -/ {for (i = 1; i <= NF && $i ~ /^-/; i++) {sub(/,$/, "", $i); print $i}}' "$txt" | sort
}
same_flags() {  # same_flags PAGE HEADING PATH...
  local page=$1 heading=$2; shift 2
  local want got
  want=$(help_flags "$@"); got=$(man_flags "$page" "$heading")
  if [[ -n $want && $want == "$got" ]] || [[ -z $want && -z $got ]]; then
    ok "$(basename "$page") ${heading}: $(echo $want)"
  else
    bad "$(basename "$page") ${heading}: --help has [$(echo $want)], the page has [$(echo $got)]"
  fi
}
check_verbs() {  # check_verbs PAGE PATH...: every verb under PATH, recursively
  local page=$1; shift
  local v
  for v in $(help_verbs "$@"); do
    same_flags "$page" "coldvault $* $v" "$@" "$v"
    check_verbs "$page" "$@" "$v"
  done
}

same_flags "$MAN/man1/coldvault.1" OPTIONS
groups=$(help_verbs)
expect_ne "$groups" "" "the CLI lists command groups"
for g in $groups; do
  page=$MAN/man1/coldvault-$g.1
  if [[ ! -f $page ]]; then bad "no page for group $g"; continue; fi
  expect_contains "$page" "^\.SH NAME" "coldvault-$g.1 renders a NAME section"
  same_flags "$page" COMMANDS "$g"
  check_verbs "$page" "$g"
done
# The secret verbs the issue names, so a walk that silently found nothing cannot pass.
man -l "$MAN/man1/coldvault-secret.1" >"$WORK/secret.txt" 2>/dev/null
for v in set show list delete recover purge backup restore; do
  expect_contains "$WORK/secret.txt" "^   coldvault secret $v\$" "coldvault-secret(1) documents secret $v"
done
for f in blob bundle domain-transfer; do
  expect_contains <(man -l "$MAN/man5/coldvault-$f.5" 2>/dev/null) "/usr/share/doc/coldvault/" "coldvault-$f(5) points to the full format doc"
done
finish
