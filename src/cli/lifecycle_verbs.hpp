// The soft-delete life-cycle verbs, written once for every object group (STYLE habit 12): delete,
// list-deleted, show-deleted, recover and purge. Each group (secret, key, certificate) calls
// add_lifecycle_verbs with its adapter; what differs between groups (how a bundle prints, the table
// columns, the help words) is only in the adapter.
#pragma once

#include <string>
#include <vector>

#include "cli/common.hpp"
#include "coldvault/bundle_json.hpp"

namespace cv::cli {

// Domain is vault::Secrets, vault::Keys or vault::Certificates; Bundle is what its verbs return.
template <class Domain, class Bundle>
struct LifecycleVerbs {
  std::string noun;  // "secret": "--name" is "Secret name", "List soft-deleted secrets", ...
  nlohmann::json (*out)(const Bundle& b, vault::Shape s) = nullptr;  // the bundle with its "name"
  std::vector<std::string> columns;                                  // -o table for recover
  std::vector<std::string> deleted_columns;           // -o table for list-deleted and show-deleted
  std::vector<std::string> delete_columns;            // -o table for delete (az differs by type)
  std::string delete_help, recover_help, purge_help;  // what moves with the object differs by type
};

// Adds the five verbs to `group` (defined for the three domain classes).
template <class Domain, class Bundle>
void add_lifecycle_verbs(CLI::App* group, Globals& g, const LifecycleVerbs<Domain, Bundle>& v);

}  // namespace cv::cli
