#!/usr/bin/env bash
# Issue 16 item 3: `key rotation-policy show|set`, `key rotate` with the policy's expiryTime, and automatic
# rotation by `serve` on the test clock (--now, test builds only): a key whose Rotate action is due is rotated
# by the server's timer at start, once, with its own audit record.
source "$(dirname "$0")/lib.bash"
trap 'stop_server; rm -rf "$WORK"' EXIT
DAY=86400
NOW=1900000000

if ! "$CV" --now "$NOW" --help >/dev/null 2>&1; then
  bad "this coldvault was built without COLDVAULT_TEST_HOOKS (--now)"; finish; exit 1
fi
expect_exit 0 "init" -- "$CV" --now "$NOW" init --vault-name main
K=(--vault-name main)
expect_exit 0 "create a key at T" -- "$CV" --now "$NOW" key create "${K[@]}" --name auto --kty EC
expect_exit 0 "create another" -- "$CV" --now "$NOW" key create "${K[@]}" --name still --kty EC

expect_exit 0 "a key without a policy shows Key Vault's default" -- "$CV" key rotation-policy show "${K[@]}" --name auto
expect_eq "$(jq -c '[.lifetimeActions[] | .action.type, .trigger.timeBeforeExpiry]' "$WORK/out")" '["Notify","P30D"]' \
  "Notify 30 days before expiry"
cat >"$WORK/policy.json" <<'J'
{"lifetimeActions": [{"trigger": {"timeAfterCreate": "P30D"}, "action": {"type": "Rotate"}}],
 "attributes": {"expiryTime": "P90D"}}
J
expect_exit 0 "set a policy from a file" -- "$CV" --now "$NOW" key rotation-policy set "${K[@]}" --name auto --file "$WORK/policy.json"
expect_eq "$(jq -r '.id | split("/") | .[-2:] | join("/")' "$WORK/out")" "auto/rotationpolicy" "the policy's id"
expect_eq "$(jq -r .attributes.created "$WORK/out")" "$NOW" "created on the test clock"
echo '{"lifetimeActions": [{"trigger": {"timeAfterCreate": "P2D"}, "action": {"type": "Rotate"}}]}' >"$WORK/bad.json"
expect_exit 2 "an impossible policy is BadParameter" -- "$CV" key rotation-policy set "${K[@]}" --name still --file "$WORK/bad.json"
expect_contains "$WORK/err" "lifetimeActions\[0\].trigger.timeAfterCreate" "naming the field"
expect_exit 3 "a policy for a key that does not exist" -- "$CV" key rotation-policy set "${K[@]}" --name nope --file "$WORK/policy.json"
# A certificate's key is renewed with its certificate: a Rotate policy is refused at once (Forbidden, 5),
# not accepted and then failed by every timer pass; Notify is allowed.
expect_exit 0 "default certificate policy" -- "$CV" certificate get-default-policy
cp "$WORK/out" "$WORK/cert-policy.json"
expect_exit 0 "a certificate (with its key)" -- "$CV" certificate create "${K[@]}" --name certkey --policy "@$WORK/cert-policy.json"
expect_exit 5 "a Rotate policy on a certificate's key: Forbidden" -- "$CV" key rotation-policy set "${K[@]}" --name certkey --file "$WORK/policy.json"
expect_contains "$WORK/err" "associated with a certificate (certificate certkey)" "naming the certificate"
echo '{"lifetimeActions": [{"trigger": {"timeBeforeExpiry": "P30D"}, "action": {"type": "Notify"}}], "attributes": {"expiryTime": "P1Y"}}' >"$WORK/notify.json"
expect_exit 0 "a Notify policy on it is fine" -- "$CV" key rotation-policy set "${K[@]}" --name certkey --file "$WORK/notify.json"
expect_exit 0 "still has the default policy" -- "$CV" key rotation-policy show "${K[@]}" --name still
expect_eq "$(jq -r '.attributes.created // "none"' "$WORK/out")" "none" "nothing was stored for it"

# --- Automatic rotation by serve, 30 days later: at start, before the first request. ---
start_serve serve --now $((NOW + 30 * DAY)) --vault-name main --listen 127.0.0.1:0 --purge-interval 3600
for _ in $(seq 1 300); do grep -q "rotated 1 keys" "$WORK/serve.err" && break; sleep 0.1; done
expect_contains "$WORK/serve.err" "rotated 1 keys by their rotation policy" "serve rotated the due key"
stop_server
expect_exit 0 "list versions" -- "$CV" key list-versions "${K[@]}" --name auto
expect_eq "$(jq length "$WORK/out")" "2" "the due key has a second version"
expect_exit 0 "show the new version" -- "$CV" key show "${K[@]}" --name auto
expect_eq "$(jq -r .attributes.exp "$WORK/out")" "$((NOW + 120 * DAY))" "which expires after the policy's expiryTime"
expect_exit 0 "the key without a Rotate action" -- "$CV" key list-versions "${K[@]}" --name still
expect_eq "$(jq length "$WORK/out")" "1" "was not rotated"
expect_exit 0 "audit log" -- "$CV" audit list --last 50
expect_eq "$(jq -r '[.[] | select(.operation == "RotateKey" and .actor == "system" and .name == "auto")] | length' "$WORK/out")" "1" \
  "the rotation is one audit record by system"

# --- On demand: key rotate gives the new version the policy's lifetime. ---
expect_exit 0 "key rotate at T+40d" -- "$CV" --now $((NOW + 40 * DAY)) key rotate "${K[@]}" --name auto
expect_eq "$(jq -r .attributes.exp "$WORK/out")" "$((NOW + 130 * DAY))" "exp = now + expiryTime"
finish
