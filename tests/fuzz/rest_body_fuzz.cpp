// libFuzzer target for the REST request bodies (src/server/request_bodies.hpp): json_body and the typed
// reader of every route family that takes a body: secrets (set, update), keys (create, import incl. the
// BYOK/JWK split, update), key operations (encrypt/decrypt/wrap/unwrap/sign, verify), certificates (create,
// import, update, merge, contacts, issuers) and key rotation policies. No server, no token. The first byte
// picks the reader; the rest is the body. (The life-cycle routes, delete/recover/purge, take no body.)
// Any crash, leak or UB is a bug; every body must come back as a value or a BadParameter, never a 5xx.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "coldvault/key_rotation.hpp"
#include "server/request_bodies.hpp"

namespace {

// A refusal is a 400: BadParameter, or Unsupported for what coldvault cannot honour (docs/errors.md).
template <class T>
void expect_clean(const cv::Result<T>& r) {
  if (!r && r.error().code != cv::Errc::BadParameter && r.error().code != cv::Errc::Unsupported) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  namespace s = cv::server;
  s::Request req;
  req.method = "PUT";
  req.body.assign(reinterpret_cast<const char*>(data + 1), size - 1);
  const unsigned pick = data[0] % 14;
  if (pick == 13) {  // the rotation policy route hands the raw text to the vault's parser
    std::string text(req.body.begin(), req.body.end());
    (void)cv::vault::parse_rotation_policy(text);
    return 0;
  }
  auto j = s::json_body(req, pick % 2 == 0);
  expect_clean(j);
  if (!j) return 0;
  switch (pick) {
    case 0: expect_clean(s::parse_set_secret(*j)); break;
    case 1: expect_clean(s::parse_update_secret(*j)); break;
    case 2: expect_clean(s::parse_create_key(*j)); break;
    case 3: expect_clean(s::parse_import_key(*j)); break;
    case 4: expect_clean(s::parse_update_key(*j)); break;
    case 5: expect_clean(s::parse_key_op(*j)); break;
    case 6: expect_clean(s::parse_verify(*j)); break;
    case 7: expect_clean(s::parse_create_certificate(*j)); break;
    case 8: expect_clean(s::parse_import_certificate(*j)); break;
    case 9: expect_clean(s::parse_update_certificate(*j)); break;
    case 10: expect_clean(s::parse_merge_certificate(*j)); break;
    case 11: expect_clean(s::parse_contacts(*j)); break;
    default: expect_clean(s::parse_issuer_change(*j));
  }
  return 0;
}
