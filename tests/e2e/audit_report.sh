#!/usr/bin/env bash
# Issue 15 items 5-6 through the CLI: `blob verify --trust CERT FILE...` judges many blobs at once (one
# file keeps its own report), a forged, truncated or garbage file is reported for itself; `--html` and
# `audit report` write the auditor's pages, which escape every value, carry no script, are never
# overwritten, and render in headless Chromium (screenshots kept in build/test-artifacts/).
source "$(dirname "$0")/lib.bash"
ART="$(cd "$(dirname "$CV")" && pwd)/test-artifacts"
mkdir -p "$ART"
no_script() { if grep -qi "<script" "$1"; then bad "$2: the page holds a <script"; else ok "$2: no <script"; fi; }

expect_exit 0 "init" -- "$CV" init --vault-name main
for s in alpha beta gamma; do printf 'v-%s' "$s" | "$CV" secret set --vault-name main --name "$s" --file - -o none; done
printf 'second' | "$CV" secret set --vault-name main --name alpha --file - -o none
"$CV" key create --vault-name main --name signing-key --kty EC -o none
for s in alpha beta gamma; do "$CV" secret backup --vault-name main --name "$s" --file "$WORK/$s.blob" -o none; done
"$CV" key backup --vault-name main --name signing-key --file "$WORK/key.blob" -o none
"$CV" vault show --vault-name main >"$WORK/vault.pem"

# --- One file: the single-file report, unchanged. ---
expect_exit 0 "one blob verifies" -- "$CV" blob verify --trust "$WORK/vault.pem" "$WORK/alpha.blob"
expect_eq "$(jq -r '.verdict + " " + .manifest.name + " " + (has("results") | tostring)' "$WORK/out")" "valid alpha false" \
  "one file keeps the single-file report"

# --- Many files: one report, each chain verified once. ---
GOOD=("$WORK/alpha.blob" "$WORK/beta.blob" "$WORK/gamma.blob" "$WORK/key.blob")
expect_exit 0 "four blobs verify together" -- "$CV" blob verify --trust "$WORK/vault.pem" "${GOOD[@]}"
expect_eq "$(jq -r '[.verdict, .blobs, .valid, .invalid, .chains] | map(tostring) | join(" ")' "$WORK/out")" "valid 4 4 0 1" \
  "bulk summary: all valid, one signer chain verified once"
expect_eq "$(jq -r '[.results[].report.manifest.name] | join(",")' "$WORK/out")" "alpha,beta,gamma,signing-key" \
  "results in the order given, each with its single-file report"
expect_exit 2 "several blobs need --trust" -- "$CV" blob verify "${GOOD[@]}"
# Two signers (two vaults) under one anchor file holding both certificates: two chains, each verified once.
"$CV" vault create --vault-name second -o none
printf 'other' | "$CV" secret set --vault-name second --name delta --file - -o none
"$CV" secret backup --vault-name second --name delta --file "$WORK/delta.blob" -o none
cat "$WORK/vault.pem" <("$CV" vault show --vault-name second) >"$WORK/both.pem"
expect_exit 0 "blobs of two vaults verify together" -- "$CV" blob verify --trust "$WORK/both.pem" "${GOOD[@]}" "$WORK/delta.blob"
expect_eq "$(jq -r '[.blobs, .valid, .chains] | map(tostring) | join(" ")' "$WORK/out")" "5 5 2" "two signer chains, two verified"
expect_exit 8 "the second vault's blob is not trusted by the first's certificate" -- \
  "$CV" blob verify --trust "$WORK/vault.pem" "$WORK/alpha.blob" "$WORK/delta.blob"
expect_eq "$(jq -r '[.results[].report.chain.ok] | map(tostring) | join(",")' "$WORK/out")" "true,false" \
  "each blob's chain judged against the anchor"

# A forged signature (one base64url character of it changed: the blob still decodes), a truncated blob,
# and a good blob under a file name made of markup.
cp "$WORK/beta.blob" "$WORK/forged.blob"
SIZE=$(stat -c %s "$WORK/forged.blob")
C=$(tail -c 5 "$WORK/forged.blob" | head -c 1)
if [[ $C == A ]]; then R=B; else R=A; fi
printf '%s' "$R" | dd of="$WORK/forged.blob" bs=1 seek=$((SIZE - 5)) conv=notrunc 2>/dev/null
head -c 300 "$WORK/gamma.blob" >"$WORK/truncated.blob"
INJ="$WORK/<script>alert(1)<b>.blob"
cp "$WORK/alpha.blob" "$INJ"
MIX=("$WORK/alpha.blob" "$WORK/forged.blob" "$WORK/truncated.blob" "$WORK/key.blob" "$INJ")
expect_exit 8 "a bulk with bad blobs is invalid (exit 8)" -- "$CV" blob verify --trust "$WORK/vault.pem" "${MIX[@]}" \
  --html "$WORK/blobs.html"
expect_contains "$WORK/err" "BlobInvalid" "Key Vault code BlobInvalid"
expect_eq "$(jq -r '[.verdict, .blobs, .valid, .invalid] | map(tostring) | join(" ")' "$WORK/out")" "invalid 5 3 2" \
  "three valid, two invalid"
expect_eq "$(jq -r '[.results[].ok] | map(tostring) | join(",")' "$WORK/out")" "true,false,false,true,true" \
  "each bad file is reported for itself only"
expect_eq "$(jq -r '.results[1].report | .verdict + " " + (.signature.ok | tostring) + " " + (.digest.ok | tostring)' "$WORK/out")" \
  "invalid false true" "the forged blob: signature fails, digest holds"
expect_eq "$(jq -r '.results[2].report.error.code' "$WORK/out")" "BadParameter" "the truncated blob: decoding refused"
H="$WORK/blobs.html"
expect_contains "$H" "5 blob(s): 3 valid, 2 invalid" "blob page: summary line"
expect_contains "$H" "forged.blob" "blob page names the forged file"
expect_contains "$H" "signing-key" "blob page names the key"
expect_contains "$H" "failed: signature" "blob page says which check failed"
expect_contains "$H" "&lt;script&gt;alert(1)&lt;b&gt;.blob" "blob page escapes the file name"
no_script "$H" "blob page"
SUM=$(cksum <"$H")
expect_exit 4 "an existing report is never overwritten (Conflict)" -- "$CV" blob verify --trust "$WORK/vault.pem" \
  "${GOOD[@]}" --html "$H"
expect_eq "$(cksum <"$H")" "$SUM" "the existing report is unchanged"
expect_eq "$(wc -c <"$WORK/out")" "0" "nothing printed for a refused report"
expect_exit 0 "one blob with --html" -- "$CV" blob verify --trust "$WORK/vault.pem" "$WORK/key.blob" --html "$WORK/one.html"
expect_contains "$WORK/one.html" "1 blob(s): 1 valid, 0 invalid" "single-file page"

# --- The audit export's page. A refused verb with a markup name is in the log as it was typed. ---
expect_exit 2 "a markup name is refused" -- "$CV" secret show --vault-name main --name '<script>alert(2)</script>'
"$CV" audit key | jq -r .certificate >"$WORK/audit.pem"
expect_exit 0 "audit export" -- "$CV" audit export --dir "$WORK/ex"
expect_exit 0 "audit report: valid" -- "$CV" audit report "$WORK/ex" --trust "$WORK/audit.pem" --html "$WORK/audit.html"
cp "$WORK/out" "$WORK/report.json"
expect_exit 0 "audit verify" -- "$CV" audit verify "$WORK/ex" --trust "$WORK/audit.pem"
expect_eq "$(jq -c . "$WORK/report.json")" "$(jq -c . "$WORK/out")" "audit report prints audit verify's JSON"
A="$WORK/audit.html"
expect_contains "$A" 'class="valid">valid' "audit page: verdict valid"
expect_contains "$A" "BackupSecret" "audit page lists the backups"
expect_contains "$A" "coldvault.local/audit/" "audit page names the origin"
expect_contains "$A" "checkpoint-to.note" "audit page lists the checkpoints"
expect_contains "$A" "&lt;script&gt;alert(2)&lt;/script&gt;" "audit page escapes a recorded name"
no_script "$A" "audit page"
cp -r "$WORK/ex" "$WORK/ex-bad"
sed -i '2s/"v":1/"v":2/' "$WORK/ex-bad/records.jsonl"
expect_exit 8 "audit report: an edited record (exit 8)" -- "$CV" audit report "$WORK/ex-bad" --trust "$WORK/audit.pem" \
  --html "$WORK/audit-bad.html"
CHECK=$(jq -r .check "$WORK/out")
expect_ne "$CHECK" "null" "the failing check is named ($CHECK)"
expect_contains "$WORK/audit-bad.html" 'class="invalid">invalid' "bad audit page: verdict invalid"
expect_contains "$WORK/audit-bad.html" "<b>$CHECK</b>" "bad audit page names the failing check"
expect_exit 4 "audit report never overwrites (Conflict)" -- "$CV" audit report "$WORK/ex" --trust "$WORK/audit.pem" \
  --html "$A"

# --- Headless Chromium: each page renders (screenshot kept) and its DOM carries the verdict. ---
if ! command -v chromium >/dev/null; then
  bad "chromium is not installed (scripts/setup-deps installs it)"
else
  render() {  # PAGE VERDICT-TEXT
    local png="$WORK/$1.png"
    chromium --headless --no-sandbox --disable-gpu --user-data-dir="$WORK/chrome" --screenshot="$png" \
      --window-size=1200,900 "file://$WORK/$1.html" >"$WORK/chrome.log" 2>&1
    local size; size=$(stat -c %s "$png" 2>/dev/null || echo 0)
    if ((size > 10240)); then ok "$1: screenshot of $size bytes"; else bad "$1: screenshot missing or blank ($size bytes): $(tail -c 300 "$WORK/chrome.log")"; fi
    [[ -f $png ]] && cp "$png" "$ART/audit_report-$1.png"
    chromium --headless --no-sandbox --disable-gpu --user-data-dir="$WORK/chrome" --dump-dom "file://$WORK/$1.html" \
      >"$WORK/$1.dom" 2>"$WORK/chrome.log"
    expect_contains "$WORK/$1.dom" "$2" "$1: the rendered DOM carries the verdict"
  }
  render blobs 'class="invalid">invalid'
  render audit 'class="valid">valid'
  render audit-bad 'class="invalid">invalid'
fi
finish
