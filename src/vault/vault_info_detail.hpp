// The view of a catalogue vault row that front doors see (coldvault/vault_info.hpp), for the domain files
// that produce VaultInfo.
#pragma once

#include "coldvault/vault_info.hpp"

namespace cv::vault {

VaultInfo info_of(const store::VaultRow& v);

}  // namespace cv::vault
