// The life-cycle verbs of every object group (see lifecycle_verbs.hpp): one implementation over the
// domain classes' identical remove/list_deleted/get_deleted/recover/purge verbs.
#include "cli/lifecycle_verbs.hpp"

#include "cli/az_args.hpp"

#include <cctype>
#include <memory>

#include "coldvault/certificates.hpp"
#include "coldvault/keys.hpp"
#include "coldvault/secrets.hpp"

namespace cv::cli {
namespace {

// CLI11 binds options to fields that must outlive parsing; one set for the five verbs (one runs).
struct Args {
  std::string vault, name;
  std::size_t maxresults = 0;
};

// `collection` is what --id must name: "secrets" for delete, "deletedsecrets" for the verbs on a
// deleted object (az's --id is its recoveryId there), "" (a vault URL) for list-deleted.
void add_vault_and_name(CLI::App* c, Args& a, const std::string& noun, const std::string& collection,
                        bool name = true) {
  c->add_option("--vault-name", a.vault, "Vault name")->required();
  if (name) {
    std::string help = noun + " name";
    help[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(help[0])));
    c->add_option("--name,-n", a.name, help)->required();
  }
  add_id_option(c, collection, a.vault, name ? &a.name : nullptr, nullptr);
}

// A verb that names one object and prints the bundle the domain answers: delete, show-deleted,
// recover.
template <class Domain, class Bundle>
void add_bundle_verb(CLI::App* group, Globals& g, const std::shared_ptr<Args>& a,
                     const LifecycleVerbs<Domain, Bundle>& v, const std::string& verb,
                     const std::string& help, Result<Bundle> (Domain::*call)(const std::string&),
                     const std::vector<std::string>& columns) {
  auto* c = group->add_subcommand(verb, help);
  add_vault_and_name(c, *a, v.noun, verb == "delete" ? v.noun + "s" : "deleted" + v.noun + "s");
  c->callback([&g, a, out = v.out, call, columns] {
    auto svc = open_service(g);
    Domain d(svc, a->vault);
    print(g, out(need((d.*call)(a->name)), vault::Shape::Bundle), columns);
  });
}

}  // namespace

template <class Domain, class Bundle>
void add_lifecycle_verbs(CLI::App* group, Globals& g, const LifecycleVerbs<Domain, Bundle>& v) {
  auto a = std::make_shared<Args>();
  add_bundle_verb(group, g, a, v, "delete", v.delete_help, &Domain::remove, v.delete_columns);

  auto* ldel = group->add_subcommand("list-deleted", "List soft-deleted " + v.noun + "s");
  add_vault_and_name(ldel, *a, v.noun, "", false);
  ldel->add_option("--maxresults", a->maxresults, "At most this many");
  if (v.noun != "key")  // az has --include-pending on secret and certificate list-deleted
    az::add_ignored(ldel, "--include-pending",
                    v.noun == "secret" ? "secrets have no pending state"
                                       : "deleted certificates are listed whether or not they were issued");
  ldel->callback([&g, a, out = v.out, columns = v.deleted_columns] {
    auto svc = open_service(g);
    Domain d(svc, a->vault);
    nlohmann::json j = nlohmann::json::array();
    std::size_t limit = a->maxresults ? a->maxresults : 1000000;  // no --maxresults: all of them
    for (const auto& b : need(d.list_deleted("", limit))) j.push_back(out(b, vault::Shape::Item));
    print(g, j, columns);
  });

  add_bundle_verb(group, g, a, v, "show-deleted", "Show a soft-deleted " + v.noun,
                  &Domain::get_deleted, v.deleted_columns);
  add_bundle_verb(group, g, a, v, "recover", v.recover_help, &Domain::recover, v.columns);

  auto* purge = group->add_subcommand("purge", v.purge_help);
  add_vault_and_name(purge, *a, v.noun, "deleted" + v.noun + "s");
  purge->callback([&g, a] {
    auto svc = open_service(g);
    Domain d(svc, a->vault);
    need(d.purge(a->name));
  });
}

template void add_lifecycle_verbs(CLI::App*, Globals&,
                                  const LifecycleVerbs<vault::Secrets, vault::SecretBundle>&);
template void add_lifecycle_verbs(CLI::App*, Globals&,
                                  const LifecycleVerbs<vault::Keys, vault::KeyBundle>&);
template void add_lifecycle_verbs(
    CLI::App*, Globals&, const LifecycleVerbs<vault::Certificates, vault::CertificateBundle>&);

}  // namespace cv::cli
