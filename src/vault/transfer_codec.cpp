// The small byte-level pieces of the domain-transfer formats (docs/domain-transfer.md "File formats").
#include <cstring>

#include "coldvault/crypto.hpp"
#include "vault/transfer_detail.hpp"

namespace cv::vault::transfer {

Bytes custodian_key_id(const RsaPublic& pub) {
  Bytes d = crypto::sha256(pub.n);
  d.resize(16);
  return d;
}

Result<Bytes> uuid_bytes(const std::string& uuid) {
  auto bad = [&] { return fail(Errc::BadParameter, "transfer id '" + uuid.substr(0, 40) + "' is not a UUID"); };
  if (uuid.size() != 36) return bad();
  Bytes out;
  for (std::size_t i = 0; i < 36;) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (uuid[i] != '-') return bad();
      ++i;
      continue;
    }
    auto nib = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      return -1;
    };
    int hi = nib(uuid[i]), lo = i + 1 < 36 ? nib(uuid[i + 1]) : -1;
    if (hi < 0 || lo < 0) return bad();
    out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
    i += 2;
  }
  if (out.size() != 16) return bad();
  return out;
}

Bytes commitment(ByteView kt, const std::string& transfer_id) {
  std::string data = "coldvault/sdx/v1" + transfer_id;
  return crypto::hmac_sha256(kt, as_bytes(data));
}

std::string share_hash(ByteView id16, unsigned x, ByteView y) {
  SecureBytes in;
  static constexpr std::string_view kTag = "coldvault/sdx/share/v1";
  in.insert(in.end(), kTag.begin(), kTag.end());
  in.insert(in.end(), id16.begin(), id16.end());
  in.push_back(static_cast<std::uint8_t>(x));
  in.insert(in.end(), y.begin(), y.end());
  return to_hex(crypto::sha256(ByteView(in.data(), in.size())));
}

SecureBytes share_plaintext(ByteView id16, unsigned x, ByteView y) {
  SecureBytes p = {'C', 'V', 'S', 'D', 0x01};
  p.insert(p.end(), id16.begin(), id16.end());
  p.push_back(static_cast<std::uint8_t>(x));
  p.insert(p.end(), y.begin(), y.end());
  return p;
}

Result<SharePlain> parse_share_plaintext(ByteView p, const std::string& what) {
  if (p.size() != kSharePlainBytes || std::memcmp(p.data(), "CVSD", 4) != 0 || p[4] != 0x01)
    return fail(Errc::BadParameter, what + " is not a coldvault share (wrong length or header)");
  SharePlain s;
  s.id16.assign(p.begin() + 5, p.begin() + 21);
  s.x = p[21];
  s.y.assign(p.begin() + 22, p.end());
  return s;
}

}  // namespace cv::vault::transfer
