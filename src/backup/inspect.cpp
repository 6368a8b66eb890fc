// Offline tools: inspect (what a blob is) and verify against the home's signer registry. They need no
// token, PIN or network. The checks themselves (verify, verify_many) are in verify.cpp.
#include "backup/seal.hpp"
#include "coldvault/base64.hpp"
#include "coldvault/crypto.hpp"
#include "coldvault/trust.hpp"

namespace cv::backup {
namespace {

nlohmann::json parts_json(const Envelope& e) {
  return {{"jweHeader", e.jwe_header_b64.size()},
          {"encryptedKey", e.encrypted_cek.size()},
          {"iv", e.iv.size()},
          {"ciphertext", e.ciphertext.size()},
          {"tag", e.tag.size()}};
}


}  // namespace

Result<nlohmann::json> inspect(ByteView blob) {
  auto e = parse_blob(blob);
  if (!e) return std::unexpected(e.error());
  nlohmann::json j = {{"format", e->format == BlobFormat::ColdVault ? "coldvault" : "azure-key-vault"},
                      {"prefix", e->prefix},
                      {"type", e->type},
                      {"kid", e->kid},
                      {"alg", e->jwe_header.value("alg", "")},
                      {"enc", e->jwe_header.value("enc", "")},
                      {"bytes", e->total_bytes},
                      {"sha256", blob_sha256(blob)},
                      {"parts", parts_json(*e)}};
  if (e->format == BlobFormat::AzureKeyVault) {
    j["binding"] =
        "Azure Key Vault blob: sealed to Microsoft's HSMs (key " + e->kid +
        "); it can only be restored into Azure Key Vault in the same subscription and geography, never here";
    return j;
  }
  auto m = manifest_of(*e);
  if (!m) return std::unexpected(m.error());
  j["binding"] = "coldvault blob: opens only in a token holding security domain " + e->kid;
  j["manifest"] = e->jwe_header["cv.manifest"];
  j["signature"] = {{"alg", e->jws_header.value("alg", "")}, {"bytes", e->signature.size()}};
  auto chain = x5c_chain(*e);
  if (!chain.empty()) {
    auto pem = crypto::certificate_pem_from_der(chain[0]);
    if (pem)
      if (auto info = crypto::inspect_certificate(*pem))
        j["signer"] = {{"subject", info->subject},
                       {"issuer", info->issuer},
                       {"notBefore", info->not_before},
                       {"notAfter", info->not_after},
                       {"sha256", info->sha256_fingerprint}};
  }
  return j;
}

Result<Verdict> verify_with_registry(vault::Service& svc, ByteView blob) {
  auto e = parse_blob(blob);
  if (!e) return std::unexpected(e.error());
  if (e->format == BlobFormat::AzureKeyVault)
    return fail(Errc::BadParameter, "an Azure Key Vault blob carries no signature coldvault can verify");
  auto chain = x5c_chain(*e);
  auto anchor = vault::trusted_anchor(svc, chain);
  if (!anchor && anchor.error().code != Errc::BadParameter) return std::unexpected(anchor.error());
  // Without an anchor the chain is checked against the leaf's own certificate only to fill the report;
  // the verdict is then invalid whatever it says.
  std::string pem;
  if (anchor) pem = anchor->cert_pem;
  else if (!chain.empty()) pem = crypto::certificate_pem_from_der(chain[0]).value_or("");
  if (pem.empty()) return fail(Errc::BadParameter, "malformed backup blob: x5c holds no certificate");
  auto v = verify(blob, pem);
  if (!v) return v;
  if (anchor) {
    v->report["anchor"] = {{"source", "registry"}, {"sha256", anchor->sha256}, {"subject", anchor->subject},
                           {"kind", anchor->kind},  {"label", anchor->label}};
  } else {
    v->ok = false;
    v->report["verdict"] = "invalid";
    v->report["chain"]["ok"] = false;
    v->report["chain"]["error"] = anchor.error().message;
    v->report["anchor"] = nullptr;
  }
  return v;
}

}  // namespace cv::backup
