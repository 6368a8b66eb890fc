// Pieces shared by `coldvault certificate` (cmd_certificate.cpp: create, import, life cycle) and
// its other verbs (cmd_certificate_ops.cpp: download, pending, policy, backup, restore).
#pragma once

#include <memory>

#include "cli/common.hpp"
#include "coldvault/certificates.hpp"

namespace cv::cli {

// Adds the `certificate` group and every verb (main.cpp calls this).
void add_certificate_commands(CLI::App& app, Globals& g);

namespace cert {

// One struct for every verb: CLI11 binds options to fields that must outlive parsing.
struct Args {
  std::string vault, name, version, policy, file, password_file, argv_password, encoding = "PEM", enabled,
                                                                 disabled, include_pending;
  std::vector<std::string> tags;
  int validity = 0;
  std::size_t maxresults = 0;
};

inline const std::vector<std::string> kColumns = {"name", "id", "x5t", "attributes.enabled",
                                                  "attributes.updated"};
inline const std::vector<std::string> kDeletedColumns = {"name", "recoveryId", "deletedDate",
                                                         "scheduledPurgeDate"};
inline const std::vector<std::string> kOperationColumns = {"id", "status", "issuer.name",
                                                           "request_id"};

// certificate_json plus "name", as the other groups print.
nlohmann::json out(const vault::CertificateBundle& b, vault::Shape s);
void add_vault_and_name(CLI::App* c, Args& a, bool name = true);
// --policy value: "@file" (as az) or inline JSON; BadParameter naming the problem.
nlohmann::json read_policy_json(const std::string& arg);
// --disabled [true|false] -> attributes.enabled.
vault::Attributes attributes(const Args& a, const CLI::Option* disabled);

// download, pending show|merge|delete, policy show|update, backup, restore.
void add_ops(CLI::App* group, Globals& g, const std::shared_ptr<Args>& a);

}  // namespace cert
}  // namespace cv::cli
