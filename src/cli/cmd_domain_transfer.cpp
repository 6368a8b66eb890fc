// `coldvault custodian enroll|list|decrypt-share` and `coldvault domain export|import`: moving a security
// domain to another token (coldvault/domain_transfer.hpp, docs/domain-transfer.md).
#include <filesystem>
#include <iostream>

#include "cli/common.hpp"
#include "coldvault/audit.hpp"
#include "coldvault/domain_transfer.hpp"

namespace cv::cli {
namespace {

struct TransferArgs {
  std::string module, token, label, out, file, so_pin_file, vault, signer_sha256;
  unsigned bits = 3072;
  unsigned quorum = 0;
  int valid_days = 7;
  bool catalogue_keys = false;
  std::vector<std::string> custodians, shares;
};

void refuse_existing(const std::string& path) {
  if (path != "-" && std::filesystem::exists(path))
    die(Errc::Conflict, path + " already exists: coldvault does not overwrite ceremony files");
}

std::string text_of(const SecureBytes& b) { return std::string(b.begin(), b.end()); }

nlohmann::json custodian_json(const vault::CustodianCert& c) {
  return {{"name", c.name}, {"sha256", c.sha256}, {"bits", c.bits}, {"added", c.added}, {"certificatePem", c.pem}};
}

}  // namespace

void add_custodian_commands(CLI::App& app, Globals& g) {
  auto* cust = app.add_subcommand("custodian", "Custodians of the security domain's transfer (M-of-N)");
  cust->require_subcommand(1);
  auto a = std::make_shared<TransferArgs>();

  auto* enroll = cust->add_subcommand("enroll", "Make a custodian key pair on the custodian's own token");
  enroll->add_option("--module", a->module, "PKCS#11 module of the custodian's token (default: SoftHSM2)");
  enroll->add_option("--token", a->token, "The custodian's token: label or pkcs11: URI")->required();
  enroll->add_option("--label", a->label, "The custodian's name (key label)")->required();
  enroll->add_option("--out", a->out, "Certificate file to write (PEM)")->required();
  enroll->add_option("--bits", a->bits, "RSA key size: 2048, 3072 or 4096")->capture_default_str();
  enroll->callback([&g, a] {
    refuse_existing(a->out);
    auto token = need(vault::open_custodian_token(a->module, a->token, g.home.pin_file));
    auto c = need(vault::enroll_custodian(token, a->label, a->bits));
    write_new_file(a->out, as_bytes(c.pem));
    print(g, {{"name", c.name}, {"sha256", c.sha256}, {"bits", c.bits}, {"file", a->out}},
          {"name", "sha256", "bits", "file"});
    std::cerr << "Read the certificate's SHA-256 aloud; the recorder writes it down.\n";
  });

  auto* list = cust->add_subcommand("list", "The domain's custodian registry");
  list->callback([&g] {
    auto svc = open_service(g);
    nlohmann::json out = nlohmann::json::array();
    for (const auto& c : need(vault::custodians(svc))) out.push_back(custodian_json(c));
    print(g, out, {"name", "sha256", "bits", "added"});
  });

  auto* dec = cust->add_subcommand("decrypt-share", "Decrypt this custodian's share of a transfer file on their token");
  dec->add_option("--file", a->file, "The transfer file (domain.cvsd)")->required();
  dec->add_option("--module", a->module, "PKCS#11 module of the custodian's token (default: SoftHSM2)");
  dec->add_option("--token", a->token, "The custodian's token: label or pkcs11: URI")->required();
  dec->add_option("--label", a->label, "The custodian key's label (default: found from the file's certificates)");
  dec->add_option("--out", a->out, "Share file to write (0600)")->required();
  dec->callback([&g, a] {
    refuse_existing(a->out);
    auto text = need(read_file(a->file));
    auto file = need(vault::read_transfer_file(text_of(text), vault::Service::now()));
    auto token = need(vault::open_custodian_token(a->module, a->token, g.home.pin_file));
    auto s = need(vault::decrypt_share(token, file, a->label));
    need(write_file(a->out, as_bytes(std::string_view(s.file_text))));
    print(g,
          {{"transferId", s.transfer_id}, {"x", s.x}, {"custodian", s.custodian_name},
           {"custodianSha256", s.custodian_sha256}, {"fileSignerSha256", s.file_signer_sha256},
           {"domainKid", s.domain_kid}, {"expires", s.expires}, {"file", a->out}},
          {"transferId", "x", "custodian", "fileSignerSha256", "file"});
    std::cerr << "Compare fileSignerSha256 and transferId with the values read aloud at the export.\n";
  });
}

void add_domain_transfer_commands(CLI::App& domain, Globals& g) {
  auto a = std::make_shared<TransferArgs>();

  auto* exp = domain.add_subcommand("export", "Wrap the domain for another token, split M-of-N among custodians");
  exp->add_option("--quorum", a->quorum, "Shares needed to import (2..N)")->required();
  exp->add_option("--custodian", a->custodians, "A custodian's certificate (PEM); 3 to 10, in share order")->required();
  exp->add_option("--file", a->file, "Transfer file to write")->required();
  exp->add_option("--so-pin-file", a->so_pin_file, "The token SO's PIN (else $COLDVAULT_SO_PIN, else a prompt)");
  exp->add_option("--vault", a->vault, "Vault whose signing key signs the file (default: the oldest)");
  exp->add_option("--valid-days", a->valid_days, "Days until the file expires (1..90)")->capture_default_str();
  exp->add_flag("--with-catalogue-keys", a->catalogue_keys,
                "Also carry the vaults' master keys and the integrity and audit keys, for a token joining this "
                "home's shared PostgreSQL catalogue (docs/deployment.md)");
  exp->callback([&g, a] {
    refuse_existing(a->file);
    vault::ExportOptions o;
    o.quorum = a->quorum;
    o.vault = a->vault;
    o.valid_days = a->valid_days;
    o.catalogue_keys = a->catalogue_keys;
    for (const auto& path : a->custodians) {
      auto pem = need(read_file(path));
      o.custodians.push_back(need(vault::read_custodian_cert(text_of(pem), path)));
    }
    o.user_pin = need(vault::Service::read_pin(g.home));
    auto svc = need(vault::Service::open(g.home, o.user_pin));
    o.so_pin = need(vault::read_so_pin(a->so_pin_file, svc.token().label()));
    auto r = need(vault::export_domain(svc, o));
    write_new_file(a->file, as_bytes(r.file_text));
    auto cp = audit::checkpoint(svc);  // a signed tree head at each domain export (docs/audit.md §3)
    nlohmann::json shares = nlohmann::json::array();
    for (const auto& s : r.shares) shares.push_back({{"x", s.x}, {"name", s.name}, {"sha256", s.sha256}});
    print(g,
          {{"transferId", r.transfer_id}, {"domainKid", r.domain_kid}, {"file", a->file}, {"created", r.created},
           {"expires", r.expires}, {"quorum", {{"required", r.required}, {"shares", r.shares.size()}}},
           {"signerVault", r.vault}, {"signerSha256", r.signer_sha256}, {"custodians", shares},
           {"signersMoved", r.signers_moved}, {"signersNotMoved", r.signers_not_moved},
           {"mastersMoved", r.masters_moved}, {"mastersNotMoved", r.masters_not_moved},
           {"integrityKeyMoved", r.integrity_moved}, {"auditKeyMoved", r.audit_moved},
           {"auditCheckpoint", cp ? nlohmann::json(cp->size) : nlohmann::json(nullptr)}},
          {"transferId", "domainKid", "signerSha256", "expires"});
    std::cerr << "Read transferId, signerSha256 and each custodian's sha256 aloud.\n";
  });

  auto* imp = domain.add_subcommand("import", "Take the domain of a transfer file into this (joined) home");
  imp->add_option("--file", a->file, "The transfer file")->required();
  imp->add_option("--share", a->shares, "A decrypted share file; as many as the quorum")->required();
  imp->add_option("--signer-sha256", a->signer_sha256, "Refuse a file not signed by this certificate");
  imp->callback([&g, a] {
    auto text = need(read_file(a->file));
    std::vector<vault::ShareInput> shares;
    for (const auto& path : a->shares) {
      auto s = need(read_file(path));
      shares.push_back({path, SecureString(s.begin(), s.end())});
    }
    auto svc = open_service(g);
    auto r = need(vault::import_domain(svc, text_of(text), shares, {a->signer_sha256}));
    nlohmann::json unreadable = nlohmann::json::array();
    for (const auto& v : r.vaults_unreadable) unreadable.push_back({{"name", v.name}, {"reason", v.reason}});
    print(g,
          {{"transferId", r.transfer_id}, {"domainKid", r.domain_kid}, {"signerSha256", r.signer_sha256},
           {"token", r.token_label}, {"tokenSerial", r.token_serial}, {"sharesUsed", r.shares_used},
           {"signersImported", r.signers_imported}, {"signersTrustedOnly", r.signers_trusted_only},
           {"sharedCatalogue", r.shared_catalogue}, {"mastersImported", r.masters_imported},
           {"vaultsUnreadable", unreadable},
           {"resumed", r.resumed}},
          {"transferId", "domainKid", "token", "tokenSerial"});
    if (r.shared_catalogue) {
      std::cerr << "Destroy the share files now (shred -u). This token now reads the shared catalogue's vaults";
      for (const auto& v : r.masters_imported) std::cerr << " '" << v << "'";
      std::cerr << ".\n";
      for (const auto& v : r.vaults_unreadable)
        std::cerr << "Not readable through this token: " << v.name << " (" << v.reason << ").\n";
    } else {
      std::cerr << "Destroy the share files now (shred -u); create the vaults this site needs with `vault create`.\n";
    }
  });
}

}  // namespace cv::cli
