// libFuzzer target for the REST server's HTTP/1.1 request parser (src/server/http1.cpp), the first
// code to see a client's bytes. The input is fed whole, then again split at a point taken from its
// first byte, with small limits so the 413/414/431 paths are reached; both runs must agree on how
// many requests came out and on the status. Any crash, leak, UB or disagreement is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "server/http1.hpp"

namespace {

struct Outcome {
  int requests = 0;
  int status = 0;  // the refusal, 0 if none
};

Outcome run(std::string_view in, std::size_t split) {
  cv::server::http1::Parser p({64, 256, 512});
  Outcome o;
  auto feed_all = [&](std::string_view part) {
    while (!part.empty() && o.status == 0) {
      std::size_t used = 0;
      auto s = p.feed(part, used);
      part.remove_prefix(used);
      if (s == cv::server::http1::Parser::Status::Done) {
        auto m = p.take();
        if (m.request.body.size() > 512) std::abort();
        ++o.requests;
      } else if (s == cv::server::http1::Parser::Status::Error) {
        o.status = p.error_status();
      }
    }
  };
  feed_all(in.substr(0, split));
  feed_all(in.substr(split));
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  Outcome whole = run(in, size);
  Outcome split = run(in, size ? data[0] % (size + 1) : 0);
  if (whole.requests != split.requests || whole.status != split.status) std::abort();
  return 0;
}
