// The life-cycle verbs of every object group (see lifecycle_verbs.hpp): one implementation over the
// domain classes' identical remove/list_deleted/get_deleted/recover/purge verbs.
#include "cli/lifecycle_verbs.hpp"

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

void add_vault_and_name(CLI::App* c, Args& a, const std::string& noun, bool name = true) {
  c->add_option("--vault-name", a.vault, "Vault name")->required();
  if (!name) return;
  std::string help = noun + " name";
  help[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(help[0])));
  c->add_option("--name,-n", a.name, help)->required();
}

}  // namespace

template <class Domain, class Bundle>
void add_lifecycle_verbs(CLI::App* group, Globals& g, const LifecycleVerbs<Domain, Bundle>& v) {
  auto a = std::make_shared<Args>();

  auto* del = group->add_subcommand("delete", v.delete_help);
  add_vault_and_name(del, *a, v.noun);
  del->callback([&g, a, v] {
    auto svc = open_service(g);
    Domain d(svc, a->vault);
    print(g, v.out(need(d.remove(a->name)), vault::Shape::Bundle), v.delete_columns);
  });

  auto* ldel = group->add_subcommand("list-deleted", "List soft-deleted " + v.noun + "s");
  add_vault_and_name(ldel, *a, v.noun, false);
  ldel->add_option("--maxresults", a->maxresults, "At most this many");
  ldel->callback([&g, a, v] {
    auto svc = open_service(g);
    Domain d(svc, a->vault);
    nlohmann::json j = nlohmann::json::array();
    std::size_t limit = a->maxresults ? a->maxresults : 1000000;  // no --maxresults: all of them
    for (const auto& b : need(d.list_deleted(0, limit))) j.push_back(v.out(b, vault::Shape::Item));
    print(g, j, v.deleted_columns);
  });

  auto* sdel = group->add_subcommand("show-deleted", "Show a soft-deleted " + v.noun);
  add_vault_and_name(sdel, *a, v.noun);
  sdel->callback([&g, a, v] {
    auto svc = open_service(g);
    Domain d(svc, a->vault);
    print(g, v.out(need(d.get_deleted(a->name)), vault::Shape::Bundle), v.deleted_columns);
  });

  auto* rec = group->add_subcommand("recover", v.recover_help);
  add_vault_and_name(rec, *a, v.noun);
  rec->callback([&g, a, v] {
    auto svc = open_service(g);
    Domain d(svc, a->vault);
    print(g, v.out(need(d.recover(a->name)), vault::Shape::Bundle), v.columns);
  });

  auto* purge = group->add_subcommand("purge", v.purge_help);
  add_vault_and_name(purge, *a, v.noun);
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
