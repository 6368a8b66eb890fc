// libFuzzer target for the JMESPath evaluator of `--query` (src/cli/jmespath*.cpp), which reads an
// expression typed by the user. The input is "<doc>\n<expression>": the first line, when it is
// small JSON, is the document (else a fixed Key Vault-like one); the rest is the expression. Any
// crash, leak, UB or stack overflow is a bug; an error result is fine. Errors must be BadParameter.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

#include "cli/jmespath.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto nl = in.find('\n');
  std::string_view head = nl == std::string_view::npos ? std::string_view{} : in.substr(0, nl);
  std::string_view expr = nl == std::string_view::npos ? in : in.substr(nl + 1);
  nlohmann::json doc;
  if (head.size() <= 256) doc = nlohmann::json::parse(head, nullptr, false);  // small: bounded depth
  if (doc.is_discarded() || head.size() > 256)
    doc = nlohmann::json::parse(R"([{"id":"https://v.vault.azure.net/secrets/a","name":"a",
      "attributes":{"enabled":true,"expires":null,"created":1700000000},"tags":{"env":"prod"}},
      {"id":"https://v.vault.azure.net/secrets/b","name":"b","attributes":{"enabled":false,
      "expires":1800000000,"created":1700000500},"tags":{},"contentType":"text/plain"}])");
  auto r = cv::cli::jmespath_search(doc, expr);
  if (r)
    (void)r->dump();
  else if (r.error().code != cv::Errc::BadParameter)
    std::abort();
  return 0;
}
