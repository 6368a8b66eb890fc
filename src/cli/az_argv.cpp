// See az_argv.hpp.
#include "cli/az_argv.hpp"

#include <algorithm>
#include <iterator>
#include <string_view>

namespace cv::cli {
namespace {

// Global options that take a value, so the word after them is not the command.
constexpr std::string_view kValued[] = {
    "--home",         "--pin-file",       "-o",   "--output",   "--query", "--output-shape", "--exit-codes",
    "--subscription", "--resource-group", "-g",   "--location", "-l",      "--now",          "--test-kill-at",
    "--test-busy-timeout", "--test-job-gate"};

// az keyvault's vault-level verbs; coldvault has them in the `vault` group.
constexpr std::string_view kVaultVerbs[] = {"create",  "show",    "list",         "delete",      "purge",
                                            "recover", "update",  "list-deleted", "show-deleted"};

}  // namespace

std::vector<std::string> without_keyvault_group(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.starts_with("-")) {
      if (a.find('=') == std::string::npos && std::ranges::find(kValued, a) != std::end(kValued)) ++i;
      continue;
    }
    if (a != "keyvault") return args;
    args.erase(args.begin() + static_cast<std::ptrdiff_t>(i));
    if (i < args.size() && std::ranges::find(kVaultVerbs, args[i]) != std::end(kVaultVerbs))
      args.insert(args.begin() + static_cast<std::ptrdiff_t>(i), "vault");
    return args;
  }
  return args;
}

}  // namespace cv::cli
