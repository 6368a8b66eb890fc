// Key rotation policies and automatic rotation, as Key Vault has them (api-version 7.3 on; docs/keys.md
// "Rotation policy"). A policy is a list of lifetime actions, each a trigger (`timeAfterCreate` or
// `timeBeforeExpiry`, ISO-8601 durations) and an action (`Rotate` or `Notify`), plus `expiryTime`, the
// lifetime each new version gets. The server rotates a key whose Rotate action is due from its purge timer
// (rotate_due), on the same clock seam as retention (Service::now, set_test_clock); Notify is kept and
// answered but sends nothing (coldvault has no Event Grid).
//
// Thread safety: as Service (one thread at a time per Service).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "coldvault/keys.hpp"
#include "coldvault/vault.hpp"

namespace cv::vault {

struct LifetimeAction {
  std::string type;            // "Rotate" or "Notify"
  std::string trigger;         // "timeAfterCreate" or "timeBeforeExpiry"
  std::string duration;        // the ISO-8601 text as given, e.g. "P90D"
  std::int64_t seconds = 0;    // its length (a year 365 days, a month 30)
};

struct RotationPolicy {
  std::vector<LifetimeAction> actions;
  std::optional<std::string> expiry_time;     // ISO-8601 text
  std::optional<std::int64_t> expiry_seconds;
  std::optional<std::int64_t> created, updated;  // absent for the default policy of a key that has none
};

// "P1Y2M3W4DT5H6M7S" (any part may be missing, at least one present, integers only) -> seconds.
// BadParameter naming `field` for anything else or a zero length.
Result<std::int64_t> parse_iso_duration(const std::string& text, const std::string& field);

// Parses and checks a policy as the REST body or the CLI gives it ({lifetimeActions, attributes}); every
// refusal is BadParameter naming the field (e.g. "lifetimeActions[0].trigger.timeAfterCreate"): unknown
// action types, both or neither trigger, more than one action of a type, Notify without timeBeforeExpiry,
// durations under Key Vault's minimums (expiryTime 28 days, triggers 7 days), timeBeforeExpiry without
// expiryTime, a trigger that can never fire before the version expires.
Result<RotationPolicy> parse_rotation_policy(const std::string& json_text);
// {id, lifetimeActions, attributes{expiryTime, created, updated}} with id "<base_url>/keys/<name>/rotationpolicy".
std::string rotation_policy_json(const RotationPolicy& p, const std::string& base_url, const std::string& name);

// The key's policy; Key Vault's default (Notify 30 days before expiry) when none was set. NotFound: no key.
Result<RotationPolicy> get_rotation_policy(Service& svc, const std::string& vault, const std::string& name);
// Replaces the key's policy; NotFound when no live key has the name (a soft-deleted key included).
Result<RotationPolicy> set_rotation_policy(Service& svc, const std::string& vault, const std::string& name,
                                           const RotationPolicy& p);
// The `exp` a new version of the key gets from its policy's expiryTime at `now`; nullopt: none.
Result<std::optional<std::int64_t>> rotation_expiry(Service& svc, const std::string& vault, const std::string& name,
                                                    std::int64_t now);

struct RotationReport {
  int rotated = 0;
  int failed = 0;  // each logged with the reason on stderr by the caller's choice: see `errors`
  std::vector<std::string> errors;  // "vault/name: message"
};
// Rotates every live key whose Rotate action is due at Service::now(): timeAfterCreate after the current
// version's `created`, timeBeforeExpiry before its `exp`. Each rotation is a Keys::rotate with its own audit
// record (operation RotateKey, actor "system"); a failure of one key does not stop the others.
Result<RotationReport> rotate_due(Service& svc);

}  // namespace cv::vault
