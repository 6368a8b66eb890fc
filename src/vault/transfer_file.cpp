// The transfer file: a compact JWS (ES256, x5c) over the payload (docs/domain-transfer.md "The transfer
// file"). Making it (sign_transfer_file) and reading it back with every check (read_transfer_file).
#include <cstdint>
#include <ctime>
#include <nlohmann/json.hpp>

#include "coldvault/time_text.hpp"
#include "coldvault/base64.hpp"
#include "coldvault/crypto.hpp"
#include "coldvault/domain_transfer.hpp"
#include "vault/transfer_detail.hpp"

namespace cv::vault {

namespace transfer {


Result<void> check_not_expired(const TransferFile& f, std::int64_t now) {
  if (now >= f.expires)
    return fail(Errc::BadParameter, "transfer file: transfer " + f.transfer_id + " expired at " + utc_iso8601(f.expires) +
                                        "; export a new file");
  return {};
}

Result<std::string> sign_transfer_file(const nlohmann::json& payload, ByteView cert_der,
                                       const std::function<Result<Bytes>(ByteView digest)>& sign) {
  nlohmann::json header = {{"alg", "ES256"}, {"typ", kFileFormat}, {"x5c", {base64_encode(cert_der)}}};
  std::string input = base64url_encode(as_bytes(header.dump())) + "." + base64url_encode(as_bytes(payload.dump()));
  auto sig = sign(crypto::sha256(as_bytes(input)));
  if (!sig) return std::unexpected(sig.error());
  return input + "." + base64url_encode(*sig) + "\n";
}

}  // namespace transfer

namespace {

using nlohmann::json;

Result<void> bad(const std::string& why) { return fail(Errc::BadParameter, "transfer file: " + why); }

// Whether `v` is an integer from 0 to INT64_MAX: the JSON parser stores every non-negative integer as
// unsigned, up to 2^64 - 1, which int_of's int64 would read back negative.
bool non_negative_int64(const json& v) {
  if (v.is_number_unsigned()) return v.get<std::uint64_t>() <= static_cast<std::uint64_t>(INT64_MAX);
  return v.is_number_integer() && v.get<std::int64_t>() >= 0;
}

// A member of `o` of the given JSON type (number_unsigned: an integer int_of can return); BadParameter
// naming it otherwise.
Result<const json*> member(const json& o, const char* name, json::value_t type, const char* where) {
  auto it = o.find(name);
  bool ok = it != o.end() &&
            (type == json::value_t::number_unsigned ? non_negative_int64(*it) : it->type() == type);
  if (!ok) {
    static const char* kNames[] = {"null", "object", "array", "string", "boolean", "integer", "integer",
                                   "number", "binary", "discarded"};
    return std::unexpected(bad(std::string(where) + " member '" + name + "' is missing or not " +
                               (type == json::value_t::object || type == json::value_t::array ? "an " : "a ") +
                               kNames[static_cast<int>(type)]).error());
  }
  return &*it;
}

#define CV_MEMBER(var, obj, name, type, where)                          \
  auto var##_r = member(obj, name, json::value_t::type, where);          \
  if (!var##_r) return std::unexpected(var##_r.error());                 \
  const json& var = **var##_r

Result<std::string> text_of(const json& o, const char* name, const char* where) {
  CV_MEMBER(v, o, name, string, where);
  return v.get<std::string>();
}

Result<std::int64_t> int_of(const json& o, const char* name, const char* where) {
  CV_MEMBER(v, o, name, number_unsigned, where);
  return v.get<std::int64_t>();
}

Result<Bytes> b64u_of(const json& o, const char* name, const char* where) {
  auto t = text_of(o, name, where);
  if (!t) return std::unexpected(t.error());
  auto b = base64url_decode(*t);
  if (!b) return std::unexpected(bad(std::string(where) + " member '" + name + "' is not base64url").error());
  return b;
}

Result<Bytes> b64_of(const json& o, const char* name, const char* where) {
  auto t = text_of(o, name, where);
  if (!t) return std::unexpected(t.error());
  auto b = base64_decode(*t);
  if (!b) return std::unexpected(bad(std::string(where) + " member '" + name + "' is not base64").error());
  return b;
}

Result<json> json_part(std::string_view part, const char* what) {
  auto raw = base64url_decode(part);
  if (!raw) return std::unexpected(bad(std::string("the ") + what + " is not base64url").error());
  auto j = json::parse(raw->begin(), raw->end(), nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return std::unexpected(bad(std::string("the ") + what + " is not a JSON object").error());
  return j;
}

// A member that is null or base64url ("wrapped" values: null for a key that is not transferable).
Result<std::optional<Bytes>> wrapped_of(const json& o, const char* name, const char* where) {
  auto it = o.find(name);
  if (it == o.end()) return std::unexpected(bad(std::string(where) + " has no member '" + name + "'").error());
  if (it->is_null()) return std::optional<Bytes>();
  auto b = b64u_of(o, name, where);
  if (!b) return std::unexpected(b.error());
  if (b->empty()) return std::unexpected(bad(std::string(where) + " member '" + name + "' is empty").error());
  return std::optional<Bytes>(std::move(*b));
}

// The optional member "catalogue_keys" (files made before shared catalogues have none).
Result<void> read_catalogue_keys(const json& p, TransferFile& f) {
  auto it = p.find("catalogue_keys");
  if (it == p.end()) return {};
  if (!it->is_object()) return bad("payload member 'catalogue_keys' is not an object");
  const json& k = *it;
  TransferCatalogueKeys out;
  auto integrity = wrapped_of(k, "integrity", "catalogue_keys");
  if (!integrity) return std::unexpected(integrity.error());
  out.integrity = std::move(*integrity);
  auto audit = k.find("audit");
  if (audit == k.end()) return bad("catalogue_keys has no member 'audit'");
  if (!audit->is_null()) {
    if (!audit->is_object()) return bad("catalogue_keys member 'audit' is not an object or null");
    TransferRootKey a;
    auto cert = b64_of(*audit, "cert", "audit");
    if (!cert) return std::unexpected(cert.error());
    if (!crypto::certificate_ec_public(*cert)) return bad("the audit key's certificate is not an EC certificate");
    a.cert_der = std::move(*cert);
    auto w = wrapped_of(*audit, "wrapped", "audit");
    if (!w) return std::unexpected(w.error());
    a.wrapped = std::move(*w);
    out.audit = std::move(a);
  }
  CV_MEMBER(masters, k, "masters", array, "catalogue_keys");
  for (const json& m : masters) {
    if (!m.is_object()) return bad("a master key entry is not an object");
    auto vault = text_of(m, "vault", "master");
    if (!vault) return std::unexpected(vault.error());
    std::string where = "master '" + vault->substr(0, 64) + "'";
    auto w = wrapped_of(m, "wrapped", where.c_str());
    if (!w) return std::unexpected(w.error());
    for (const auto& other : out.masters)
      if (other.vault == *vault) return bad("the master key of vault '" + vault->substr(0, 64) + "' appears twice");
    bool signed_vault = false;
    for (const auto& s : f.signers) signed_vault = signed_vault || s.vault == *vault;
    if (!signed_vault) return bad("master key of vault '" + vault->substr(0, 64) + "', which has no signer entry");
    out.masters.push_back(TransferRootKey{*vault, {}, std::move(*w)});
  }
  f.catalogue_keys = std::move(out);
  return {};
}

}  // namespace

Result<void> transfer::read_transfer_payload(const json& p, TransferFile& f) {
  auto fmt = text_of(p, "format", "payload");
  if (!fmt) return std::unexpected(fmt.error());
  if (*fmt != transfer::kFileFormat) return bad("format '" + fmt->substr(0, 64) + "' is not " + transfer::kFileFormat);
  auto id = text_of(p, "transfer_id", "payload");
  if (!id) return std::unexpected(id.error());
  auto id16 = transfer::uuid_bytes(*id);
  if (!id16) return std::unexpected(bad(id16.error().message).error());
  f.transfer_id = *id;
  f.transfer_id_bytes = *id16;
  auto created = int_of(p, "created", "payload");
  auto expires = int_of(p, "expires", "payload");
  if (!created) return std::unexpected(created.error());
  if (!expires) return std::unexpected(expires.error());
  if (*expires <= *created) return bad("expires is not after created");
  f.created = *created;
  f.expires = *expires;

  CV_MEMBER(source, p, "source", object, "payload");
  for (auto [field, out] : {std::pair{"domain_kid", &f.domain_kid}, std::pair{"token_label", &f.source_token_label},
                            std::pair{"token_serial", &f.source_token_serial}, std::pair{"vault", &f.source_vault}}) {
    auto v = text_of(source, field, "source");
    if (!v) return std::unexpected(v.error());
    *out = *v;
  }

  CV_MEMBER(quorum, p, "quorum", object, "payload");
  auto scheme = text_of(quorum, "scheme", "quorum");
  if (!scheme) return std::unexpected(scheme.error());
  if (*scheme != transfer::kScheme) return bad("sharing scheme '" + scheme->substr(0, 64) + "' is not " + transfer::kScheme);
  auto required = int_of(quorum, "required", "quorum");
  auto shares = int_of(quorum, "shares", "quorum");
  if (!required) return std::unexpected(required.error());
  if (!shares) return std::unexpected(shares.error());
  if (*shares < 3 || *shares > 10 || *required < 2 || *required > *shares)
    return bad("quorum " + std::to_string(*required) + " of " + std::to_string(*shares) +
               " is outside 2..N of 3..10");
  f.required = static_cast<unsigned>(*required);
  f.shares = static_cast<unsigned>(*shares);

  auto commit = b64u_of(p, "kek_commitment", "payload");
  if (!commit) return std::unexpected(commit.error());
  if (commit->size() != 32) return bad("kek_commitment is not 32 bytes");
  f.kek_commitment = *commit;

  CV_MEMBER(custodians, p, "custodians", array, "payload");
  if (custodians.size() != f.shares)
    return bad(std::to_string(custodians.size()) + " custodians for " + std::to_string(f.shares) + " shares");
  for (std::size_t i = 0; i < custodians.size(); ++i) {
    const json& c = custodians[i];
    if (!c.is_object()) return bad("custodian " + std::to_string(i + 1) + " is not an object");
    TransferCustodian tc;
    auto x = int_of(c, "x", "custodian");
    if (!x) return std::unexpected(x.error());
    if (*x != static_cast<std::int64_t>(i + 1)) return bad("custodian " + std::to_string(i + 1) + " has x=" + std::to_string(*x));
    tc.x = static_cast<unsigned>(*x);
    auto name = text_of(c, "name", "custodian");
    auto sha = text_of(c, "sha256", "custodian");
    auto cert = b64_of(c, "cert", "custodian");
    auto share = b64u_of(c, "share", "custodian");
    auto share_sha = text_of(c, "share_sha256", "custodian");
    for (const Error* e : {name ? nullptr : &name.error(), sha ? nullptr : &sha.error(), cert ? nullptr : &cert.error(),
                           share ? nullptr : &share.error(), share_sha ? nullptr : &share_sha.error()})
      if (e) return std::unexpected(*e);
    if (to_hex(crypto::sha256(*cert)) != *sha) return bad("custodian " + std::to_string(i + 1) + "'s certificate does not match its sha256");
    if (share_sha->size() != 64) return bad("custodian " + std::to_string(i + 1) + "'s share_sha256 is not 64 hex digits");
    tc.name = *name;
    tc.sha256 = *sha;
    tc.cert_der = std::move(*cert);
    tc.share_ciphertext = std::move(*share);
    tc.share_sha256 = *share_sha;
    for (const auto& other : f.custodians)
      if (other.sha256 == tc.sha256) return bad("custodian certificate " + tc.sha256 + " appears twice");
    f.custodians.push_back(std::move(tc));
  }

  CV_MEMBER(domain, p, "domain", object, "payload");
  auto kid = text_of(domain, "kid", "domain");
  if (!kid) return std::unexpected(kid.error());
  if (*kid != f.domain_kid) return bad("domain kid " + *kid + " differs from the source's " + f.domain_kid);
  auto mech = text_of(domain, "mech", "domain");
  if (!mech) return std::unexpected(mech.error());
  if (*mech != "CKM_AES_KEY_WRAP_PAD") return bad("wrapping mechanism '" + mech->substr(0, 64) + "' is not CKM_AES_KEY_WRAP_PAD");
  auto spki = b64_of(domain, "spki", "domain");
  auto wrapped = b64u_of(domain, "wrapped", "domain");
  if (!spki) return std::unexpected(spki.error());
  if (!wrapped) return std::unexpected(wrapped.error());
  if (!crypto::rsa_public_from_spki(*spki)) return bad("the domain's spki is not an RSA public key");
  f.domain_spki = std::move(*spki);
  f.domain_wrapped = std::move(*wrapped);

  CV_MEMBER(signers, p, "signers", array, "payload");
  for (const json& s : signers) {
    if (!s.is_object()) return bad("a signer entry is not an object");
    TransferSigner ts;
    auto vault = text_of(s, "vault", "signer");
    auto cert = b64_of(s, "cert", "signer");
    if (!vault) return std::unexpected(vault.error());
    if (!cert) return std::unexpected(cert.error());
    ts.vault = *vault;
    ts.cert_der = std::move(*cert);
    auto w = s.find("wrapped");
    if (w == s.end()) return bad("signer '" + ts.vault + "' has no member 'wrapped'");
    if (!w->is_null()) {
      auto wb = b64u_of(s, "wrapped", "signer");
      if (!wb) return std::unexpected(wb.error());
      ts.wrapped = std::move(*wb);
    }
    f.signers.push_back(std::move(ts));
  }

  CV_MEMBER(tokens, p, "tokens", array, "payload");
  for (const json& t : tokens) {
    if (!t.is_object()) return bad("a token entry is not an object");
    TransferToken tt;
    auto label = text_of(t, "label", "token");
    auto serial = text_of(t, "serial", "token");
    auto joined = int_of(t, "joined", "token");
    auto tid = text_of(t, "transfer_id", "token");
    if (!label) return std::unexpected(label.error());
    if (!serial) return std::unexpected(serial.error());
    if (!joined) return std::unexpected(joined.error());
    if (!tid) return std::unexpected(tid.error());
    f.tokens.push_back(TransferToken{*label, *serial, *tid, *joined});
  }
  return read_catalogue_keys(p, f);
}

Result<TransferFile> read_transfer_file(std::string_view text, std::optional<std::int64_t> now) {
  if (text.size() > (4u << 20)) return std::unexpected(bad("larger than 4 MiB").error());
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.remove_suffix(1);
  if (text.empty()) return std::unexpected(bad("empty").error());
  auto d1 = text.find('.');
  auto d2 = d1 == std::string_view::npos ? d1 : text.find('.', d1 + 1);
  if (d2 == std::string_view::npos || text.find('.', d2 + 1) != std::string_view::npos)
    return std::unexpected(bad("not three dot-separated parts (truncated or not a coldvault transfer file)").error());
  auto header = json_part(text.substr(0, d1), "header");
  if (!header) return std::unexpected(header.error());
  auto payload = json_part(text.substr(d1 + 1, d2 - d1 - 1), "payload");
  if (!payload) return std::unexpected(payload.error());
  auto sig = base64url_decode(text.substr(d2 + 1));
  if (!sig || sig->size() != 64) return std::unexpected(bad("the signature is not 64 bytes of base64url (truncated?)").error());

  auto alg = text_of(*header, "alg", "header");
  if (!alg) return std::unexpected(alg.error());
  if (*alg != "ES256") return std::unexpected(bad("alg '" + alg->substr(0, 32) + "' is not ES256").error());
  auto typ = text_of(*header, "typ", "header");
  if (!typ) return std::unexpected(typ.error());
  if (*typ != transfer::kFileFormat) return std::unexpected(bad("typ '" + typ->substr(0, 64) + "' is not " + transfer::kFileFormat).error());
  auto x5c = header->find("x5c");
  if (x5c == header->end() || !x5c->is_array() || x5c->size() != 1 || !(*x5c)[0].is_string())
    return std::unexpected(bad("the header's x5c is not one certificate").error());
  auto cert = base64_decode((*x5c)[0].get<std::string>());
  if (!cert) return std::unexpected(bad("the header's certificate is not base64").error());

  TransferFile f;
  f.signer_sha256 = to_hex(crypto::sha256(*cert));
  auto ok = crypto::verify_es256(*cert, as_bytes(text.substr(0, d2)), *sig);
  if (!ok) return std::unexpected(bad("signer certificate " + f.signer_sha256 + ": " + ok.error().message).error());
  if (!*ok)
    return std::unexpected(bad("the signature does not verify with signer certificate " + f.signer_sha256 +
                               ": the file was changed after it was signed").error());
  if (auto r = transfer::read_transfer_payload(*payload, f); !r) return std::unexpected(r.error());
  const TransferSigner* own = nullptr;
  for (const auto& s : f.signers)
    if (s.vault == f.source_vault) own = &s;
  if (!own || own->cert_der != *cert)
    return std::unexpected(bad("signed by certificate " + f.signer_sha256 + ", which is not the file's signer for vault '" +
                               f.source_vault + "'").error());
  if (now)
    if (auto r = transfer::check_not_expired(f, *now); !r) return std::unexpected(r.error());
  return f;
}

}  // namespace cv::vault
