// libFuzzer target for the vault bundle's decoders of untrusted bytes (docs/bundle-format.md): preamble,
// footer, index and record. The first byte picks the decoder; the rest is its input. Any crash, leak or UB
// is a bug; every input must come back as a value or a BadParameter.
#include <cstddef>
#include <cstdint>

#include "bundle/format.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  cv::ByteView in(data + 1, size - 1);
  namespace fmt = cv::bundle::fmt;
  switch (data[0] % 4) {
    case 0: (void)fmt::decode_preamble(in); break;
    case 1: (void)fmt::decode_footer(in.size() >= fmt::kFooterBytes ? in.subspan(0, fmt::kFooterBytes) : in, size * 97); break;
    case 2: (void)fmt::decode_index(in, size * 31); break;
    default:
      if (auto r = fmt::decode_record(in)) (void)fmt::encode_record(*r);
  }
  return 0;
}
