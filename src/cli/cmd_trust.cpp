// `coldvault domain trust add|list|remove`: the domain's signer registry (coldvault/trust.hpp), the
// certificates whose blobs restore accepts.
#include "cli/common.hpp"
#include "coldvault/trust.hpp"

namespace cv::cli {
namespace {

nlohmann::json signer_json(const vault::TrustedSigner& s) {
  return {{"sha256", s.sha256}, {"subject", s.subject}, {"kind", s.kind}, {"label", s.label},
          {"ca", s.ca},         {"added", s.added},     {"certificatePem", s.cert_pem}};
}

const std::vector<std::string> kColumns = {"sha256", "kind", "label", "ca", "subject"};

struct TrustArgs {
  std::string cert, label, sha256;
};

}  // namespace

void add_domain_trust_commands(CLI::App& domain, Globals& g) {
  auto* trust = domain.add_subcommand("trust", "Certificates whose backup blobs this domain restores");
  trust->require_subcommand(1);
  auto a = std::make_shared<TrustArgs>();

  auto* add = trust->add_subcommand("add", "Trust a signer certificate or a CA (PEM)");
  add->add_option("--cert", a->cert, "PEM certificate file ('-' = stdin)")->required();
  add->add_option("--label", a->label, "A name for people");
  add->callback([&g, a] {
    auto pem = need(read_file(a->cert));
    auto svc = open_service(g);
    print(g, signer_json(need(vault::trust_add(svc, as_chars(pem), a->label))), kColumns);
  });

  auto* list = trust->add_subcommand("list", "Every trusted signer: the vaults' own and the operator's");
  list->callback([&g] {
    auto svc = open_service(g);
    nlohmann::json out = nlohmann::json::array();
    for (const auto& s : need(vault::trusted_signers(svc))) out.push_back(signer_json(s));
    print(g, out, kColumns);
  });

  auto* remove = trust->add_subcommand("remove", "Stop trusting an operator-added certificate");
  auto* by_sha = remove->add_option("--sha256", a->sha256, "SHA-256 of the certificate (8+ hex characters)");
  auto* by_cert = remove->add_option("--cert", a->cert, "The certificate's PEM file");
  by_sha->excludes(by_cert);
  remove->callback([&g, a] {
    std::string sha = a->sha256;
    auto svc = open_service(g);
    if (!a->cert.empty()) {
      auto pem = need(read_file(a->cert));
      sha = need(vault::certificate_sha256(as_chars(pem)));
    }
    if (sha.empty()) die(Errc::BadParameter, "give --sha256 or --cert");
    print(g, signer_json(need(vault::trust_remove(svc, sha))), kColumns);
  });
}

}  // namespace cv::cli
