#include "bundle/token_keys.hpp"

namespace cv::bundle {
namespace {

hsm::KeyUsage usage(bool encrypt, bool wrap, bool extractable) {
  hsm::KeyUsage u;
  u.encrypt = u.decrypt = encrypt;
  u.wrap = u.unwrap = wrap;
  u.extractable = extractable;  // only while a backup wraps it for the file
  return u;
}

}  // namespace

Result<BundleKeys> BundleKeys::create(hsm::Token& t, hsm::Handle domain_pub) {
  auto m = t.generate_secret_key(hsm::KeyType::Aes, 256, usage(false, true, true));
  if (!m) return std::unexpected(m.error());
  TokenKey km(t, *m);
  auto g = t.generate_secret_key(hsm::KeyType::Aes, 256, usage(true, false, true));
  if (!g) return std::unexpected(g.error());
  TokenKey kg(t, *g);
  auto w = t.generate_secret_key(hsm::KeyType::Aes, 256, usage(false, true, true));
  if (!w) return std::unexpected(w.error());
  TokenKey kw(t, *w);
  auto wm = t.wrap(hsm::Mech::RsaOaepSha1, domain_pub, km.h);
  if (!wm) return std::unexpected(wm.error());
  auto wg = t.wrap(hsm::Mech::AesKeyWrapPad, km.h, kg.h);
  if (!wg) return std::unexpected(wg.error());
  auto ww = t.wrap(hsm::Mech::AesKeyWrapPad, km.h, kw.h);
  if (!ww) return std::unexpected(ww.error());
  return BundleKeys{std::move(km), std::move(kg), std::move(kw), std::move(*wm), std::move(*wg), std::move(*ww)};
}

Result<BundleKeys> BundleKeys::open(hsm::Token& t, hsm::Handle domain_priv, ByteView wrapped_m, ByteView wrapped_gcm,
                                    ByteView wrapped_kwp) {
  auto refused = [](const Error& e, const char* which) -> std::unexpected<Error> {
    if (!hsm::input_rejected(e)) return std::unexpected(e);  // the token failed, not the bundle
    return fail(Errc::BadParameter,
                std::string("cannot open vault bundle: its ") + which + " does not unwrap with this domain's key");
  };
  auto m = t.unwrap(hsm::Mech::RsaOaepSha1, domain_priv, wrapped_m, hsm::KeyType::Aes, usage(false, true, false));
  if (!m) return refused(m.error(), "bundle key");
  TokenKey km(t, *m);
  auto g = t.unwrap(hsm::Mech::AesKeyWrapPad, km.h, wrapped_gcm, hsm::KeyType::Aes, usage(true, false, false));
  if (!g) return refused(g.error(), "content key");
  TokenKey kg(t, *g);
  auto w = t.unwrap(hsm::Mech::AesKeyWrapPad, km.h, wrapped_kwp, hsm::KeyType::Aes, usage(false, true, false));
  if (!w) return refused(w.error(), "key-wrapping key");
  TokenKey kw(t, *w);
  return BundleKeys{std::move(km), std::move(kg), std::move(kw), {}, {}, {}};
}

}  // namespace cv::bundle
