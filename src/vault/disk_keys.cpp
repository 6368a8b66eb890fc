// The KEK/BEK flow of Azure Disk Encryption. See include/coldvault/disk_keys.hpp.
#include "coldvault/disk_keys.hpp"

#include "coldvault/base64.hpp"
#include "coldvault/keys.hpp"
#include "vault/keys_common.hpp"

namespace cv::vault {

using namespace keys_detail;

namespace {

constexpr std::size_t kBekBytes = 32;

// An upper-case RFC 4122 version 4 GUID from the token's RNG (ADE names BEK secrets by GUID).
Result<std::string> new_guid(hsm::Token& t) {
  auto r = t.random(16);
  if (!r) return std::unexpected(r.error());
  Bytes& b = *r;
  b[6] = static_cast<std::uint8_t>((b[6] & 0x0F) | 0x40);
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3F) | 0x80);
  std::string hex = to_hex(b);
  for (auto& c : hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20);
}

// Generates the BEK in the token and wraps it there with the KEK's public key (RSA-OAEP, SHA-1).
Result<Bytes> wrapped_bek(hsm::Token& t, const KeyMeta& kek) {
  if (auto r = t.require(hsm::Mech::RsaOaepSha1); !r) return std::unexpected(r.error());
  HandleGuard guard(t);
  auto pub = t.import_rsa_public(kek.rsa_public());
  if (!pub) return std::unexpected(pub.error());
  guard.add(*pub);
  auto bek = t.generate_secret_key(hsm::KeyType::GenericSecret, kBekBytes * 8, hsm::KeyUsage{.extractable = true});
  if (!bek) return std::unexpected(bek.error());
  guard.add(*bek);
  return t.wrap(hsm::Mech::RsaOaepSha1, *pub, *bek);
}

std::string tag(const store::Tags& tags, const char* name) {
  auto it = tags.find(name);
  return it == tags.end() ? std::string() : it->second;
}

}  // namespace

Result<std::pair<std::string, std::string>> kek_from_url(const std::string& url) {
  auto at = url.find("/keys/");
  if (at == std::string::npos) return std::unexpected(bad("KEK URL '" + url.substr(0, 200) + "' has no /keys/ path"));
  std::string rest = url.substr(at + 6);
  auto slash = rest.find('/');
  std::string name = rest.substr(0, slash);
  std::string version = slash == std::string::npos ? "" : rest.substr(slash + 1);
  while (!version.empty() && version.back() == '/') version.pop_back();
  if (auto r = check_object_name(name); !r) return std::unexpected(bad("KEK URL '" + url.substr(0, 200) + "': bad key name"));
  if (!version.empty())
    if (auto r = check_version_id(version); !r)
      return std::unexpected(bad("KEK URL '" + url.substr(0, 200) + "': bad key version"));
  return std::pair{name, version};
}

Result<SecretBundle> DiskKeys::create(const DiskKeyRequest& r) {
  if (r.machine.empty()) return std::unexpected(bad("A machine name is required."));
  if (r.os != "windows" && r.os != "linux")
    return std::unexpected(bad("Operating system '" + r.os.substr(0, 20) + "' is not supported. Allowed: windows, linux."));
  auto& t = svc_.token();
  auto guid = new_guid(t);
  if (!guid) return std::unexpected(guid.error());
  SetSecret s;
  s.tags[kTagBekFileName] = r.os == "windows" ? *guid + ".BEK" : "LinuxPassPhraseFileName";
  s.tags[kTagMachine] = r.machine;
  if (r.kek) {
    auto kek = load_for_op(svc_, vault_, *r.kek, "", "wrapKey");
    if (!kek) return std::unexpected(kek.error());
    if (kek->meta.kind != KeyKind::Rsa)
      return std::unexpected(bad("The KEK must be an RSA key; " + *r.kek + " is " + kind_name(kek->meta.kind) + "."));
    auto wrapped = wrapped_bek(t, kek->meta);
    if (!wrapped) return std::unexpected(wrapped.error());
    std::string v = base64url_encode(*wrapped);
    s.value = SecureString(v.begin(), v.end());
    s.content_type = kContentTypeWrappedBek;
    s.tags[kTagBekAlgorithm] = "RSA-OAEP";
    s.tags[kTagKekUrl] = kek->kid;
  } else {
    auto bek = t.random(kBekBytes);
    if (!bek) return std::unexpected(bek.error());
    std::string v = base64_encode(*bek);
    s.value = SecureString(v.begin(), v.end());
    secure_wipe(v.data(), v.size());
    secure_wipe(bek->data(), bek->size());
    s.content_type = kContentTypeBek;
  }
  auto b = Secrets(svc_, vault_).set(*guid, s);
  if (b) b->value.reset();
  return b;
}

Result<SecureBytes> DiskKeys::unwrap(const std::string& name) {
  auto sb = Secrets(svc_, vault_).get(name, "");
  if (!sb) return std::unexpected(sb.error());
  std::string_view value(sb->value->data(), sb->value->size());
  std::string ct = sb->meta.content_type.value_or("");
  if (ct == kContentTypeBek) {
    auto bek = base64_decode(value);
    if (!bek) return std::unexpected(bad("BEK secret " + name + " does not hold base64"));
    SecureBytes out(bek->begin(), bek->end());
    secure_wipe(bek->data(), bek->size());
    return out;
  }
  if (ct != kContentTypeWrappedBek)
    return std::unexpected(bad("Secret " + name + " is not a BEK (content type '" + ct + "')."));
  std::string url = tag(sb->meta.tags, kTagKekUrl);
  std::string alg = tag(sb->meta.tags, kTagBekAlgorithm);
  if (alg.empty()) alg = "RSA-OAEP";
  auto kek = kek_from_url(url);
  if (!kek) return std::unexpected(kek.error());
  auto wrapped = base64url_decode_lenient_padding(value);
  // A BEK set by hand from Azure Backup's SecretData may be standard base64.
  if (!wrapped) wrapped = base64_decode(value);
  if (!wrapped) return std::unexpected(bad("Wrapped BEK " + name + " does not hold base64 or base64url"));
  auto r = Keys(svc_, vault_).unwrap(kek->first, kek->second, alg, *wrapped);
  if (!r) {
    Error e = r.error();
    if (e.code == Errc::NotFound)
      e.message = "The KEK " + url + " of BEK " + name + " is not in vault " + vault_ +
                  " (deleted or purged?): " + e.message;
    return std::unexpected(e);
  }
  return std::move(r->value);
}

Result<std::vector<SecretBundle>> DiskKeys::list(const std::optional<std::string>& machine) {
  auto all = Secrets(svc_, vault_).list("", std::size_t{1} << 30);
  if (!all) return std::unexpected(all.error());
  std::vector<SecretBundle> out;
  for (auto& b : *all) {
    std::string ct = b.meta.content_type.value_or("");
    if (ct != kContentTypeBek && ct != kContentTypeWrappedBek) continue;
    if (machine && tag(b.meta.tags, kTagMachine) != *machine) continue;
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace cv::vault
