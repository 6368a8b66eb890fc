// The life-cycle routes of every collection (see routes_lifecycle.hpp): one implementation over the
// domain classes' identical remove/list_deleted/get_deleted/recover/purge verbs.
#include "server/routes_lifecycle.hpp"

#include "coldvault/certificates.hpp"
#include "coldvault/keys.hpp"
#include "coldvault/secrets.hpp"
#include "server/paging.hpp"

namespace cv::server {

namespace {

// A route that names one object and answers with the bundle the domain returns: delete, show
// deleted, recover (Key Vault answers the three alike, in the adapter's shape).
template <class Domain, class Bundle>
Handler bundle_route(const LifecycleAdapter<Domain, Bundle>& a,
                     Result<Bundle> (Domain::*call)(const std::string&)) {
  return [out = a.out, shape = a.single, call](Ctx& c) -> Result<Response> {
    Domain d(c.svc, c.vault);
    CV_UNWRAP(b, (d.*call)(c.params.name));
    return json_response(200, out(std::move(b), c, shape));
  };
}

}  // namespace

template <class Domain, class Bundle>
void add_lifecycle_routes(Router& r, const LifecycleAdapter<Domain, Bundle>& a) {
  const std::string& coll = a.collection;
  const std::string deleted = "deleted" + coll;
  r.add("DELETE", coll + "/{name}", {coll, "delete"}, bundle_route(a, &Domain::remove));
  r.add("GET", deleted, {coll, "list"},
        [out = a.out, check = a.check_list_query](Ctx& c) -> Result<Response> {
          if (auto q = check ? check(c) : Result<void>{}; !q) return std::unexpected(q.error());
          CV_UNWRAP(p, page_of(c));
          Domain d(c.svc, c.vault);
          // One more than the page: list_response tells from it whether a nextLink is due.
          CV_UNWRAP(rows, d.list_deleted(p.after, p.size + 1));
          return list_of(c, std::move(rows), p, ListKey::Name,
                         [&c, out](Bundle b) { return out(std::move(b), c, vault::Shape::Item); });
        });
  r.add("GET", deleted + "/{name}", {coll, "get"}, bundle_route(a, &Domain::get_deleted));
  r.add("DELETE", deleted + "/{name}", {coll, "purge"}, [](Ctx& c) -> Result<Response> {
    Domain d(c.svc, c.vault);
    if (auto p = d.purge(c.params.name); !p) return std::unexpected(p.error());
    return Response{204, {}, {}};
  });
  r.add("POST", deleted + "/{name}/recover", {coll, "recover"}, bundle_route(a, &Domain::recover));
}

template void add_lifecycle_routes(Router&,
                                   const LifecycleAdapter<vault::Secrets, vault::SecretBundle>&);
template void add_lifecycle_routes(Router&, const LifecycleAdapter<vault::Keys, vault::KeyBundle>&);
template void add_lifecycle_routes(
    Router&, const LifecycleAdapter<vault::Certificates, vault::CertificateBundle>&);

}  // namespace cv::server
