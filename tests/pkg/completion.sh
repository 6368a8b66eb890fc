#!/usr/bin/env bash
# The generated bash completion, through bash's own machinery: `complete -p coldvault` names the function,
# which is called as readline would (COMP_WORDS/COMP_CWORD) and its COMPREPLY checked.
# usage: completion.sh path/to/completion/coldvault
FILE=${1:?usage: $0 completion-file}
source "$(dirname "$0")/../e2e/lib.bash" /bin/false
source "$FILE"
spec=$(complete -p coldvault)
expect_contains <(echo "$spec") "complete -F _coldvault coldvault" "complete -p registers a function for coldvault"
fn=$(sed -n 's/.*-F \([^ ]*\) .*/\1/p' <<<"$spec")
# complete_line WORD...: completes the last word (empty string = after a space), prints the sorted answers
complete_line() {
  COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
  COMPREPLY=()
  "$fn" coldvault "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
  printf '%s\n' "${COMPREPLY[@]}" | sort | paste -sd' '
}
expect_eq "$(complete_line coldvault sec)" "secret" "coldvault sec<TAB> -> secret"
expect_eq "$(complete_line coldvault secret s)" "set set-attributes show show-deleted" "coldvault secret s<TAB> -> its s verbs"
expect_eq "$(complete_line coldvault c)" "catalog certificate custodian" "coldvault c<TAB> -> three groups"
expect_eq "$(complete_line coldvault certificate pending "")" "delete merge show" "nested verbs: certificate pending <TAB>"
expect_eq "$(complete_line coldvault secret set --vault-name main --na)" "--name" "verb flags after an option and its value"
expect_eq "$(complete_line coldvault secret set --pi)" "--pin-file" "global flags at the verb (the CLI falls through)"
expect_eq "$(complete_line coldvault --home /x -o j)" "json jsonc" "-o offers the CLI's choices"
expect_eq "$(complete_line coldvault --home sec)" "" "the word after --home is its value, not a group"
expect_eq "$(complete_line coldvault --home /x sec)" "secret" "groups after a global option and its value"
expect_eq "$(complete_line coldvault secret set -e "")" "ascii base64 hex utf-16be utf-16le utf-8" "--encoding offers its choices"
finish
