// libFuzzer target for Azure Backup's encryption-info file (coldvault/ade.hpp, docs/ade-runbook.md): the
// strict parse of OsDiskKeyAndSecretDetails and the offline inspect, which also runs blob inspect on the
// two backup blobs it carries. No token. Any crash, leak or UB is a bug; every input must come back as a
// value or a BadParameter.
#include <cstddef>
#include <cstdint>

#include "coldvault/ade.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  cv::ByteView in(data, size);
  // ade_inspect starts with parse_encryption_info, so one call covers both (a second parse only halved the rate).
  (void)cv::backup::ade_inspect(in);
  return 0;
}
