// Key rotation policies in the catalogue (schema step 7): one JSON document per key object. The domain
// (coldvault/key_rotation.hpp) validates and interprets the document; this file only stores it. A policy
// belongs to the key's object row, so it stays with a soft-deleted key and goes when the key is purged.
//
// Thread safety: as Catalog (one connection, one thread at a time).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "coldvault/catalog.hpp"

namespace cv::store {

struct RotationPolicyRow {
  std::string vault;  // as the vault row names it
  std::string name;   // the key's name as stored
  std::string policy_json;
  std::int64_t created = 0, updated = 0;
};

// The policy of the key `name` (live or soft-deleted); nullopt when none was set. NotFound: no such key.
Result<std::optional<RotationPolicyRow>> rotation_policy(Catalog& c, const std::string& vault, const std::string& name);
// Sets or replaces the key's policy at `now` (a replacement keeps its `created`). NotFound: no such key.
Result<RotationPolicyRow> put_rotation_policy(Catalog& c, const std::string& vault, const std::string& name,
                                              const std::string& policy_json, std::int64_t now);
// Every policy of the keys of a vault, live or soft-deleted, by key name (vault bundles).
Result<std::vector<RotationPolicyRow>> rotation_policies(Catalog& c, const std::string& vault);
// Sets a key's policy with the given created/updated times (a bundle's restore). NotFound: no such key.
Result<void> restore_rotation_policy(Catalog& c, const std::string& vault, const RotationPolicyRow& row);
// Every policy of a key that is not soft-deleted, in a vault that is not soft-deleted (the rotation timer).
Result<std::vector<RotationPolicyRow>> live_rotation_policies(Catalog& c);

}  // namespace cv::store
