// libFuzzer target for everything that reads untrusted blob bytes without a token: input sniffing,
// envelope/JWS/JWE decoding, manifest parsing and inspect. Any crash, leak or UB is a bug.
#include <cstddef>
#include <cstdint>

#include "coldvault/backup.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  cv::ByteView in(data, size);
  (void)cv::backup::read_blob_input(in);
  if (auto e = cv::backup::parse_blob(in)) (void)cv::backup::manifest_of(*e);
  (void)cv::backup::inspect(in);
  return 0;
}
