// ECDSA public key recovery. See coldvault/ec_recover.hpp.
//
// For a signature (r, s) of e: the signer's nonce point R has x = r + j*n (j = 0, 1 while x < p) and one of
// two y; for each such R, Q = r^-1 (s*R - e*G). All values are public.
#include "coldvault/ec_recover.hpp"

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>

#include "crypto/ossl.hpp"
#include "crypto/public_keys.hpp"

namespace cv::crypto {
namespace {

using GroupPtr = std::unique_ptr<EC_GROUP, ossl::Deleter<EC_GROUP_free>>;
using PointPtr = std::unique_ptr<EC_POINT, ossl::Deleter<EC_POINT_free>>;
using CtxPtr = std::unique_ptr<BN_CTX, ossl::Deleter<BN_CTX_free>>;

}  // namespace

Result<std::vector<Bytes>> ecdsa_recover_points(Curve c, ByteView digest, ByteView sig) {
  const std::size_t w = curve_bytes(c);
  if (sig.size() != 2 * w) return fail(Errc::BadParameter, "ECDSA signature is not r||s of the curve's size");
  if (digest.empty() || digest.size() > 64) return fail(Errc::BadParameter, "ECDSA digest must be 1..64 bytes");
  GroupPtr g(EC_GROUP_new_by_curve_name(OBJ_txt2nid(detail::group_name(c))));
  CtxPtr ctx(BN_CTX_new());
  ossl::BnPtr n(BN_new()), p(BN_new()), e, r = ossl::bn_from(sig.first(w)), s = ossl::bn_from(sig.subspan(w));
  if (!g || !ctx || !n || !p || !r || !s || EC_GROUP_get_order(g.get(), n.get(), ctx.get()) != 1 ||
      EC_GROUP_get_curve(g.get(), p.get(), nullptr, nullptr, ctx.get()) != 1)
    return ossl::fail_ossl(Errc::Internal, "cannot set up the curve");
  if (BN_is_zero(r.get()) || BN_is_zero(s.get()) || BN_cmp(r.get(), n.get()) >= 0 || BN_cmp(s.get(), n.get()) >= 0)
    return fail(Errc::BadParameter, "ECDSA signature has r or s out of range");
  // e: the digest's leftmost order-bits, as ECDSA takes it.
  e = ossl::bn_from(digest);
  const int excess = static_cast<int>(digest.size() * 8) - BN_num_bits(n.get());
  if (!e || (excess > 0 && BN_rshift(e.get(), e.get(), excess) != 1))
    return ossl::fail_ossl(Errc::Internal, "cannot read the digest");
  // u1 = -e * r^-1 mod n, u2 = s * r^-1 mod n; Q = u1*G + u2*R.
  ossl::BnPtr rinv(BN_mod_inverse(nullptr, r.get(), n.get(), ctx.get())), u1(BN_new()), u2(BN_new()), x(BN_new());
  if (!rinv || !u1 || !u2 || !x || BN_mod_mul(u1.get(), e.get(), rinv.get(), n.get(), ctx.get()) != 1 ||
      BN_mod_sub(u1.get(), n.get(), u1.get(), n.get(), ctx.get()) != 1 ||
      BN_mod_mul(u2.get(), s.get(), rinv.get(), n.get(), ctx.get()) != 1)
    return ossl::fail_ossl(Errc::Internal, "cannot compute the recovery scalars");
  std::vector<Bytes> out;
  for (int j = 0; j < 2; ++j) {
    if (BN_copy(x.get(), r.get()) == nullptr || (j == 1 && BN_add(x.get(), x.get(), n.get()) != 1))
      return ossl::fail_ossl(Errc::Internal, "cannot compute the nonce point's x");
    if (BN_cmp(x.get(), p.get()) >= 0) break;
    for (int y_bit = 0; y_bit < 2; ++y_bit) {
      PointPtr R(EC_POINT_new(g.get())), Q(EC_POINT_new(g.get()));
      if (!R || !Q) return ossl::fail_ossl(Errc::Internal, "cannot allocate a point");
      // x may not be on the curve (no square root): then there is no such R.
      if (EC_POINT_set_compressed_coordinates(g.get(), R.get(), x.get(), y_bit, ctx.get()) != 1) {
        ERR_clear_error();
        continue;
      }
      if (EC_POINT_mul(g.get(), Q.get(), u1.get(), R.get(), u2.get(), ctx.get()) != 1)
        return ossl::fail_ossl(Errc::Internal, "cannot compute a candidate point");
      if (EC_POINT_is_at_infinity(g.get(), Q.get())) continue;
      Bytes q(1 + 2 * w);
      if (EC_POINT_point2oct(g.get(), Q.get(), POINT_CONVERSION_UNCOMPRESSED, q.data(), q.size(), ctx.get()) != q.size())
        return ossl::fail_ossl(Errc::Internal, "cannot encode a candidate point");
      out.push_back(std::move(q));
    }
  }
  return out;
}

}  // namespace cv::crypto
