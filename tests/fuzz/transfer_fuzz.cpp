// libFuzzer target for the domain-transfer files (docs/domain-transfer.md "File formats"; src/vault
// transfer_file.cpp, transfer_codec.cpp, domain_import.cpp): the whole signed transfer file, its payload
// reader (reached here without a valid signature), a share file checked against a fixed transfer, the
// 54-byte share plaintext and the transfer id. The first byte picks the reader; the rest is its input.
// Any crash, leak or UB is a bug; every input must come back as a value or a BadParameter.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "coldvault/domain_transfer.hpp"
#include "vault/transfer_detail.hpp"

namespace {

namespace vt = cv::vault::transfer;

// A transfer of three custodians that share files are checked against (its values are the seeds').
const cv::vault::TransferFile& fixed_transfer() {
  static const cv::vault::TransferFile f = [] {
    cv::vault::TransferFile t;
    t.transfer_id = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
    t.transfer_id_bytes = *vt::uuid_bytes(t.transfer_id);
    t.signer_sha256 = std::string(64, 'a');
    for (unsigned x = 1; x <= 3; ++x) {
      cv::vault::TransferCustodian c;
      c.x = x;
      c.name = "custodian" + std::to_string(x);
      c.sha256 = std::string(64, static_cast<char>('0' + x));
      c.share_sha256 = std::string(64, 'f');
      t.custodians.push_back(c);
    }
    return t;
  }();
  return f;
}

// Every reader refuses with BadParameter; anything else from a pure reader is a bug.
template <class T>
void expect_clean(const cv::Result<T>& r) {
  if (!r && r.error().code != cv::Errc::BadParameter) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 5) {
    case 0: expect_clean(cv::vault::read_transfer_file(text, 1'700'000'000)); break;
    case 1: {
      auto j = nlohmann::json::parse(text, nullptr, false);
      if (j.is_discarded() || !j.is_object()) break;
      cv::vault::TransferFile f;
      expect_clean(vt::read_transfer_payload(j, f));
      break;
    }
    case 2: {
      cv::vault::ShareInput in{"fuzz.share", cv::SecureString(text.data(), text.size())};
      expect_clean(vt::read_share_file(in, fixed_transfer()));
      break;
    }
    case 3: expect_clean(vt::parse_share_plaintext(cv::as_bytes(text), "share")); break;
    default: expect_clean(vt::uuid_bytes(std::string(text)));
  }
  return 0;
}
