// `coldvault keyvault ...`: az's command group, so an `az keyvault` script runs with only the program
// name changed (docs/az-compat.md).
#pragma once

#include <string>
#include <vector>

namespace cv::cli {

// argv with az's `keyvault` group taken out, before CLI11 parses it:
//   keyvault secret|key|certificate|backup|restore|... X  ->  secret|key|... X
//   keyvault create|show|list|delete|purge|recover|list-deleted|show-deleted|update  ->  vault ...
// Rewriting once here keeps one definition of every verb (and its --help) instead of a second tree.
// Only the first word that is not a global option is looked at; anything else is returned unchanged.
std::vector<std::string> without_keyvault_group(int argc, char** argv);

}  // namespace cv::cli
