// libFuzzer target for the PEM and PFX (PKCS#12) import parsers of src/crypto (pem.cpp, pem_bundle.cpp,
// pkcs12.cpp, private_key_parse.cpp, cert_container.cpp): what a certificate or key import reads from the
// caller before anything reaches the token. The first byte picks the decoder (low 7 bits, modulo 6) and the password
// (bit 7: "coldvault", else empty); the rest is its input. Any crash, leak or UB is a bug; every input must
// come back as a value or an error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <openssl/err.h>

#include "coldvault/crypto.hpp"
#include "coldvault/x509.hpp"

// The PFX parser loads OpenSSL's legacy provider once per process and never unloads it (x509.hpp): state for
// the process's lifetime, which LeakSanitizer's check at exit reports once OpenSSL's own cleanup has dropped
// the provider store. Leaks of one input are still caught: libFuzzer checks after every input that
// allocated more than it freed, while the provider is still reachable.
extern "C" const char* __lsan_default_options() { return "leak_check_at_exit=0"; }

namespace {

void fields_of_all(const std::vector<cv::Bytes>& certs) {
  for (const auto& der : certs) (void)cv::crypto::certificate_fields(der);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  cv::ByteView in(data + 1, size - 1);
  std::string_view text(reinterpret_cast<const char*>(in.data()), in.size());
  const cv::SecureString password = (data[0] & 0x80) ? cv::SecureString("coldvault") : cv::SecureString();
  namespace c = cv::crypto;
  switch ((data[0] & 0x7f) % 6) {
    case 0:
      (void)c::pem_decode(text, "CERTIFICATE");
      if (auto der = c::certificate_der_from_pem(text)) (void)c::certificate_pem_from_der(*der);
      break;
    case 1: (void)c::parse_private_key_pem(text, password); break;
    case 2:
      if (auto b = c::parse_pem_bundle(text, password)) fields_of_all(b->certificates);
      break;
    case 3:
      if (auto p = c::parse_pkcs12(in, password)) fields_of_all(p->certificates);
      break;
    case 4: (void)c::certificate_fields(in); break;
    default: (void)c::inspect_certificate(text);
  }
  ERR_clear_error();
  return 0;
}
