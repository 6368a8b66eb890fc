// az's --id: an object URL instead of --vault-name/--name/--version (common.hpp).
//
// A script written for Azure names objects as https://V.vault.azure.net/secrets/N/VER; coldvault maps
// the vault label V to the local vault of that name, as this server's own URLs
// (https://V.vault.localhost:PORT/..., https://V.localhost:PORT/...) do.
#include <algorithm>
#include <cctype>

#include "cli/common.hpp"

namespace cv::cli {
namespace {

// Host suffixes whose first label is a vault name: Azure's public and sovereign clouds, and this server.
constexpr std::string_view kSuffixes[] = {".vault.azure.net", ".vault.azure.cn", ".vault.usgovcloudapi.net",
                                          ".vault.microsoftazure.de", ".vault.localhost", ".localhost"};

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> parts;
  std::size_t start = path.starts_with('/') ? 1 : 0;
  while (start < path.size()) {
    auto slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    parts.emplace_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  if (!parts.empty() && parts.back().empty()) parts.pop_back();  // a trailing slash
  return parts;
}

[[noreturn]] void usage(std::string message) {
  throw CommandFailed{Error{Errc::BadParameter, std::move(message), {}, {}, {}}, true};
}

}  // namespace

Result<ObjectId> parse_object_id(const std::string& url) {
  auto bad = [&](const std::string& why) {
    return fail(Errc::BadParameter, "invalid --id '" + url.substr(0, 200) + "': " + why +
                                        " (expected https://VAULT.vault.azure.net/COLLECTION/NAME[/VERSION])");
  };
  std::string_view rest = url;
  if (rest.starts_with("https://"))
    rest.remove_prefix(8);
  else if (rest.starts_with("http://"))
    rest.remove_prefix(7);
  else
    return bad("not an https URL");
  if (rest.find_first_of("?#") != std::string_view::npos) return bad("a query or fragment is not part of an id");
  auto slash = std::min(rest.find('/'), rest.size());
  std::string host(rest.substr(0, slash));
  std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return std::tolower(c); });
  if (auto colon = host.find(':'); colon != std::string::npos) {
    std::string port = host.substr(colon + 1);
    if (port.empty() || port.find_first_not_of("0123456789") != std::string::npos) return bad("bad port");
    host.resize(colon);
  }
  ObjectId id;
  for (auto suffix : kSuffixes) {
    if (host.size() > suffix.size() && host.ends_with(suffix)) {
      id.vault = host.substr(0, host.size() - suffix.size());
      break;
    }
  }
  if (id.vault.empty() || id.vault.find('.') != std::string::npos)
    return bad("the host is not VAULT.vault.azure.net, VAULT.vault.localhost or VAULT.localhost");
  auto parts = split_path(rest.substr(slash));
  if (parts.size() > 3) return bad("too many path segments");
  for (const auto& p : parts)
    if (p.empty()) return bad("an empty path segment");
  if (parts.size() >= 1) id.collection = parts[0];
  if (parts.size() >= 2) id.name = parts[1];
  if (parts.size() == 3) id.version = parts[2];
  if (parts.size() == 1) return bad("no object name after /" + id.collection);
  return id;
}

void add_id_option(CLI::App* c, const std::string& collection, std::string& vault, std::string* name,
                   std::string* version) {
  CLI::Option* vault_opt = c->get_option("--vault-name");
  CLI::Option* name_opt = name ? c->get_option("--name") : nullptr;
  std::string what = collection.empty() ? "Full URI of the vault (https://V.vault.azure.net)"
                                        : "Id of the object: https://V.vault.azure.net/" + collection + "/NAME" +
                                              (version ? "[/VERSION]" : "") + " (instead of --vault-name, --name)";
  // The option's callback runs after the whole line is parsed and before CLI11 checks required
  // options, so it can stand in for --vault-name/--name: it fills them and counts as given.
  c->add_option_function<std::string>(
      "--id",
      [c, collection, &vault, name, version, vault_opt, name_opt](const std::string& url) {
        if (vault_opt->count() > 0 || (name_opt && name_opt->count() > 0))
          usage("--id names the object: give it instead of --vault-name/--name, not with them");
        auto* version_opt = c->get_option_no_throw("--version");
        if (version_opt && version_opt->count() > 0)
          usage("--id names the version: give it instead of --version, not with it");
        auto r = parse_object_id(url);
        if (!r) usage(r.error().message);
        if (r->collection != collection)
          usage("--id " + url.substr(0, 200) + " is not " +
                (collection.empty() ? std::string("a vault URL") : "a /" + collection + "/ URL") +
                (r->collection.empty() ? std::string() : " (it names /" + r->collection + "/)"));
        if (!r->version.empty() && (version == nullptr || version_opt == nullptr))
          usage("--id " + url.substr(0, 200) + " names a version; this command takes the object without one");
        vault = r->vault;
        vault_opt->add_result(r->vault);
        if (name) {
          *name = r->name;
          name_opt->add_result(r->name);
        }
        if (version) *version = r->version;
      },
      what);
}

}  // namespace cv::cli
