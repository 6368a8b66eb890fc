// The soft-delete life cycle's routes, written once for every object collection (STYLE habit 12):
// DELETE /{collection}/{name}, GET /deleted{collection}, GET /deleted{collection}/{name},
// DELETE /deleted{collection}/{name} (purge) and POST /deleted{collection}/{name}/recover.
// Each collection's route file calls add_lifecycle_routes with its adapter; what differs between
// collections (the JSON of a bundle, the shape Key Vault answers with) is only in the adapter.
#pragma once

#include <string>

#include "coldvault/bundle_json.hpp"
#include "server/body.hpp"
#include "server/router.hpp"

namespace cv::server {

// Domain is vault::Secrets, vault::Keys or vault::Certificates; Bundle is what its verbs return.
template <class Domain, class Bundle>
struct LifecycleAdapter {
  std::string collection;  // "secrets": the path segment and the permission's collection
  // The bundle as the response shows it, ids on the client's origin.
  Json (*out)(Bundle b, const Ctx& c, vault::Shape s) = nullptr;
  // The shape of the delete, show-deleted and recover answers (Key Vault differs by type).
  vault::Shape single = vault::Shape::Bundle;
  // Extra query checks on GET /deleted{collection}, run before paging; null for none.
  Result<void> (*check_list_query)(const Ctx& c) = nullptr;
};

// Registers the five life-cycle routes for one collection (defined for the three domain classes).
template <class Domain, class Bundle>
void add_lifecycle_routes(Router& r, const LifecycleAdapter<Domain, Bundle>& a);

}  // namespace cv::server
