// ECDSA signature framing: JOSE (RFC 7518, section 3.4) and PKCS#11 use r||s with each half padded
// to the coordinate size; X.509 and most OpenSSL APIs use DER Ecdsa-Sig-Value ::= SEQUENCE { r
// INTEGER, s INTEGER }.
#include <algorithm>

#include "coldvault/crypto.hpp"
#include "crypto/ossl.hpp"

namespace cv::crypto {

Result<Bytes> ecdsa_raw_to_der(ByteView raw) {
  if (raw.empty() || raw.size() % 2 != 0 || raw.size() > 2 * 66)
    return fail(Errc::BadParameter, "ECDSA signature must be r||s of equal halves");
  const std::size_t half = raw.size() / 2;
  ossl::BnPtr r = ossl::bn_from(raw.first(half));
  ossl::BnPtr s = ossl::bn_from(raw.subspan(half));
  if (BN_is_zero(r.get()) || BN_is_zero(s.get()))
    return fail(Errc::BadParameter, "ECDSA signature has a zero component");
  ossl::EcdsaSigPtr sig(ECDSA_SIG_new());
  if (!sig) return ossl::fail_ossl(Errc::Internal, "cannot allocate ECDSA signature");
  // set0 takes ownership of both numbers only on success.
  if (ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1)
    return ossl::fail_ossl(Errc::Internal, "cannot build ECDSA signature");
  r.release();
  s.release();
  return ossl::to_der<ECDSA_SIG>(sig.get(), i2d_ECDSA_SIG, "ECDSA signature");
}

Result<Bytes> ecdsa_der_to_raw(ByteView der, std::size_t coord_bytes) {
  if (coord_bytes == 0 || coord_bytes > 66)
    return fail(Errc::BadParameter, "invalid ECDSA coordinate size");
  const unsigned char* p = der.data();
  ossl::EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) return ossl::fail_ossl(Errc::BadParameter, "malformed DER ECDSA signature");
  if (p != der.data() + der.size())
    return fail(Errc::BadParameter, "trailing bytes after DER ECDSA signature");
  // Only the canonical (DER, not BER) encoding is accepted, so one signature has exactly one form.
  auto again = ossl::to_der<ECDSA_SIG>(sig.get(), i2d_ECDSA_SIG, "ECDSA signature");
  if (!again) return std::unexpected(again.error());
  if (!std::ranges::equal(*again, der))
    return fail(Errc::BadParameter, "non-canonical DER ECDSA signature");

  const BIGNUM* r = ECDSA_SIG_get0_r(sig.get());
  const BIGNUM* s = ECDSA_SIG_get0_s(sig.get());
  const auto width = static_cast<int>(coord_bytes);
  if (BN_is_negative(r) || BN_is_negative(s) || BN_num_bytes(r) > width || BN_num_bytes(s) > width)
    return fail(Errc::BadParameter, "ECDSA signature does not fit the curve");
  Bytes raw(2 * coord_bytes);
  BN_bn2binpad(r, raw.data(), width);
  BN_bn2binpad(s, raw.data() + coord_bytes, width);
  return raw;
}

}  // namespace cv::crypto
