// `coldvault certificate download|pending|policy|backup|restore`.
#include "cli/az_args.hpp"
#include "cli/cmd_certificate.hpp"
#include "coldvault/backup.hpp"

namespace cv::cli::cert {
namespace {

using vault::Shape;

// The CA's answer for `pending merge`, as the domain reads it.
std::vector<Bytes> read_certificates(const std::string& path) {
  auto content = need(read_file(path));
  return need(vault::certificates_for_merge(content, path));
}

void add_download(CLI::App* group, Globals& g, const std::shared_ptr<Args>& a) {
  auto* download =
      group->add_subcommand("download", "Write the certificate (public part only) to a new file");
  add_vault_and_name(download, *a);
  download->add_option("--version,-v", a->version, "Version id (default: latest)");
  download->add_option("--file,-f", a->file, "File to create (an existing file is not overwritten)")
      ->required();
  download->add_option("--encoding,-e", a->encoding, "PEM (default) or DER")
      ->check(CLI::IsMember({"PEM", "DER"}));
  download->callback([&g, a] {
    auto svc = open_service(g);
    vault::Certificates certs(svc, a->vault);
    auto b = need(certs.get(a->name, a->version));
    if (b.cer.empty())
      die(Errc::NotFound,
          "certificate " + a->name + " has no issued certificate yet (pending: merge it first)");
    if (a->encoding == "DER") {
      write_new_file(a->file, b.cer);
    } else {
      write_new_file(a->file, as_bytes(vault::certificate_pem(b.cer)));
    }
  });
}

void add_pending(CLI::App* group, Globals& g, const std::shared_ptr<Args>& a) {
  auto* pending = group->add_subcommand(
      "pending", "The pending operation of an issuer-Unknown certificate (CSR)");
  pending->require_subcommand(1);

  auto* show = pending->add_subcommand("show", "Show the pending operation and its CSR");
  add_vault_and_name(show, *a);
  show->callback([&g, a] {
    auto svc = open_service(g);
    vault::Certificates certs(svc, a->vault);
    print(g, vault::certificate_operation_json(need(certs.pending(a->name))), kOperationColumns);
  });

  auto* merge =
      pending->add_subcommand("merge", "Complete it with the certificate(s) the CA issued");
  add_vault_and_name(merge, *a);
  merge
      ->add_option("--file,-f", a->file, "PEM or DER: the issued certificate first, then its chain")
      ->required();
  merge->add_option("--tags", a->tags, "Tags: key=value ...")->expected(0, -1);
  auto* disabled =
      merge->add_option("--disabled", a->disabled, "Leave the version disabled")->expected(0, 1);
  merge->callback([&g, a, disabled] {
    auto x5c = read_certificates(a->file);
    auto tags = need(az::tags(a->tags));
    auto at = attributes(*a, disabled);
    auto svc = open_service(g);
    vault::Certificates certs(svc, a->vault);
    print(g, out(need(certs.merge(a->name, x5c, tags, at)), Shape::Bundle), kColumns);
  });

  auto* del =
      pending->add_subcommand("delete", "Delete the pending operation and its unfinished version");
  add_vault_and_name(del, *a);
  del->callback([&g, a] {
    auto svc = open_service(g);
    vault::Certificates certs(svc, a->vault);
    print(g, vault::certificate_operation_json(need(certs.delete_pending(a->name))),
          kOperationColumns);
  });
}

void add_policy(CLI::App* group, Globals& g, const std::shared_ptr<Args>& a) {
  auto* policy =
      group->add_subcommand("policy", "A certificate's policy (applies to its next version)");
  policy->require_subcommand(1);
  auto policy_id = [](vault::Service& svc, const Args& a) {
    auto vk = need(svc.vault(a.vault));
    return vk->row.base_url + "/certificates/" + a.name + "/policy";
  };

  auto* show = policy->add_subcommand("show", "Show the policy");
  add_vault_and_name(show, *a);
  show->callback([&g, a, policy_id] {
    auto svc = open_service(g);
    vault::Certificates certs(svc, a->vault);
    auto p = need(certs.policy(a->name));
    print(g, vault::certificate_policy_json(p, policy_id(svc, *a)));
  });

  auto* update = policy->add_subcommand("update", "Merge a partial policy into the current one");
  add_vault_and_name(update, *a);
  update->add_option("--policy,-p", a->policy, "Partial policy: @file or JSON")->required();
  update->callback([&g, a, policy_id] {
    auto patch = read_policy_json(a->policy);
    auto svc = open_service(g);
    vault::Certificates certs(svc, a->vault);
    auto p = need(certs.update_policy(a->name, patch));
    print(g, vault::certificate_policy_json(p, policy_id(svc, *a)));
  });
}

void add_backup(CLI::App* group, Globals& g, const std::shared_ptr<Args>& a) {
  auto* backup = group->add_subcommand(
      "backup", "Back up every version, key and secret into an HSM-bound blob");
  add_vault_and_name(backup, *a);
  backup->add_option("--file,-f", a->file, "Write the blob here (raw bytes, as az does)")
      ->required();
  backup->callback([&g, a] {
    auto svc = open_service(g);
    Bytes blob = need(backup::backup_certificate(svc, a->vault, a->name));
    need(write_file(a->file, blob));
    print(g, {{"file", a->file}, {"bytes", blob.size()}, {"sha256", backup::blob_sha256(blob)}},
          {"file", "bytes", "sha256"});
  });

  auto* restore =
      group->add_subcommand("restore", "Restore a certificate blob (certificate, key and secret)");
  restore->add_option("--vault-name", a->vault, "Target vault")->required();
  restore
      ->add_option("--file,-f", a->file,
                   "Blob file: raw bytes, base64url text or {\"value\":...}; - = stdin")
      ->required();
  restore->callback([&g, a] {
    auto content = need(read_file(a->file));
    Bytes blob = need(backup::read_blob_input(content));
    auto svc = open_service(g);
    print(g, out(need(backup::restore_certificate(svc, a->vault, blob)), Shape::Bundle), kColumns);
  });
}

}  // namespace

void add_ops(CLI::App* group, Globals& g, const std::shared_ptr<Args>& a) {
  add_download(group, g, a);
  add_pending(group, g, a);
  add_policy(group, g, a);
  add_backup(group, g, a);
}

}  // namespace cv::cli::cert
