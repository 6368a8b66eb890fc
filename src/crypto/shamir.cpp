// Shamir split and combine over GF(2^8) (coldvault/shamir.hpp). Lives in src/crypto because the
// polynomial coefficients come from OpenSSL's RAND_bytes. Secret bytes only ever pass through
// gf::mul and XOR (constant time, src/crypto/gf256.hpp); the branches here test sizes and
// x-coordinates, which are public.
#include "coldvault/shamir.hpp"

#include <openssl/rand.h>

#include <cstddef>
#include <string>

#include "crypto/gf256.hpp"
#include "crypto/ossl.hpp"

namespace cv::shamir {
namespace {

// A transfer secret is a key or a seed; 64 bytes covers a 512-bit one, and the cap bounds the work
// of a split (n * m * size field multiplications).
constexpr std::size_t kMaxSecret = 64;

}  // namespace

Result<std::vector<Share>> split(ByteView secret, unsigned m, unsigned n) {
  if (secret.empty() || secret.size() > kMaxSecret)
    return fail(Errc::BadParameter, "Shamir secret must be 1.." + std::to_string(kMaxSecret) +
                                        " bytes, got " + std::to_string(secret.size()));
  if (m < 2 || m > n || n > 255)
    return fail(Errc::BadParameter, "Shamir split needs 2 <= m <= n <= 255, got m = " +
                                        std::to_string(m) + ", n = " + std::to_string(n));
  const std::size_t len = secret.size();

  // coeffs[(k-1)*len + j] is the coefficient of x^k in byte j's polynomial, k = 1..m-1; the
  // constant term is the secret byte itself. Uniform coefficients (a zero top one included) are
  // what makes any m-1 shares independent of the secret.
  SecureBytes coeffs((m - 1) * len);
  if (RAND_bytes(coeffs.data(), static_cast<int>(coeffs.size())) != 1)
    return crypto::ossl::fail_ossl(Errc::Internal, "random generator failed");

  std::vector<Share> shares(n);
  for (unsigned i = 0; i < n; ++i) {
    Share& s = shares[i];
    s.x = static_cast<std::uint8_t>(i + 1);
    // Horner's rule straight into the share: y = (..(c_{m-1} x + c_{m-2}) x + ..) x + secret, so no
    // other buffer ever holds a partial sum of secret material.
    s.y.assign(coeffs.end() - static_cast<std::ptrdiff_t>(len), coeffs.end());
    for (unsigned k = m - 1; k-- > 0;) {
      const std::uint8_t* c = k == 0 ? secret.data() : coeffs.data() + (k - 1) * len;
      for (std::size_t j = 0; j < len; ++j) s.y[j] = gf::add(gf::mul(s.y[j], s.x), c[j]);
    }
  }
  // SecureBytes would wipe them on free too; wiping here says the coefficients die with the split.
  secure_wipe(coeffs.data(), coeffs.size());
  return shares;
}

Result<SecureBytes> combine(const std::vector<Share>& shares) {
  if (shares.empty()) return fail(Errc::BadParameter, "Shamir combine needs at least 1 share");
  const std::size_t len = shares.front().y.size();
  if (len == 0 || len > kMaxSecret)
    return fail(Errc::BadParameter, "Shamir share must be 1.." + std::to_string(kMaxSecret) +
                                        " bytes, got " + std::to_string(len));
  bool seen[256] = {};
  for (const Share& s : shares) {
    if (s.x == 0) return fail(Errc::BadParameter, "Shamir share with x = 0 (x must be 1..255)");
    if (seen[s.x])
      return fail(Errc::BadParameter, "two Shamir shares with x = " + std::to_string(s.x));
    seen[s.x] = true;
    if (s.y.size() != len)
      return fail(Errc::BadParameter, "Shamir share with x = " + std::to_string(s.x) + " has " +
                                          std::to_string(s.y.size()) + " bytes, the first has " +
                                          std::to_string(len));
  }

  // secret = sum_i l_i * y_i with the Lagrange basis at 0: l_i = prod_{j != i} x_j / (x_j - x_i),
  // and minus is XOR here. l_i depends on the x's only, so it is public.
  SecureBytes out(len, 0);
  for (const Share& si : shares) {
    std::uint8_t num = 1;
    std::uint8_t den = 1;
    for (const Share& sj : shares) {
      if (&sj == &si) continue;
      num = gf::mul(num, sj.x);
      den = gf::mul(den, gf::add(sj.x, si.x));
    }
    const std::uint8_t l = gf::mul(num, gf::inv(den));
    for (std::size_t j = 0; j < len; ++j) out[j] = gf::add(out[j], gf::mul(l, si.y[j]));
  }
  return out;
}

}  // namespace cv::shamir
