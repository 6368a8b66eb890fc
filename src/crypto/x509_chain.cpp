// X.509 for offline blob verification: a backup blob carries its signer's certificate chain, and
// whoever restores it checks the chain against anchors they trust and the signature against the
// leaf's key, all without a token.
//
// Partial chains are allowed on purpose: an operator may pin an intermediate, or the vault's own
// self-signed signing certificate, rather than a root.
#include <openssl/x509_vfy.h>

#include "coldvault/crypto.hpp"
#include "crypto/public_keys.hpp"

namespace cv::crypto {
namespace {

struct StoreFree {
  void operator()(X509_STORE* p) const noexcept { X509_STORE_free(p); }
};
struct StoreCtxFree {
  void operator()(X509_STORE_CTX* p) const noexcept { X509_STORE_CTX_free(p); }
};
// The stack only borrows its certificates; the X509Ptrs own them.
struct StackFree {
  void operator()(STACK_OF(X509) * p) const noexcept { sk_X509_free(p); }
};

Result<ossl::X509Ptr> parse_der(ByteView der) {
  const unsigned char* p = der.data();
  ossl::X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert) return ossl::fail_ossl(Errc::BadParameter, "malformed certificate");
  if (p != der.data() + der.size())
    return fail(Errc::BadParameter, "trailing bytes after certificate");
  return cert;
}

std::string name_text(const X509_NAME* name) {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) return {};
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

// Every CERTIFICATE block of a PEM bundle, in order.
Result<std::vector<ossl::X509Ptr>> parse_pem_bundle(std::string_view pem) {
  constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
  constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
  std::vector<ossl::X509Ptr> out;
  for (std::size_t pos = pem.find(kBegin); pos != std::string_view::npos;
       pos = pem.find(kBegin, pos)) {
    const std::size_t end = pem.find(kEnd, pos);
    if (end == std::string_view::npos)
      return fail(Errc::BadParameter, "unterminated CERTIFICATE block in trust anchors");
    auto cert = certificate_der_from_pem(pem.substr(pos, end + kEnd.size() - pos));
    if (!cert) return std::unexpected(cert.error());
    auto x509 = parse_der(*cert);
    if (!x509) return std::unexpected(x509.error());
    out.push_back(std::move(*x509));
    pos = end + kEnd.size();
  }
  if (out.empty()) return fail(Errc::BadParameter, "no CERTIFICATE in trust anchors");
  return out;
}

}  // namespace

Result<Bytes> certificate_der_from_pem(std::string_view pem) {
  auto der = pem_decode(pem, "CERTIFICATE");
  if (!der) return std::unexpected(der.error());
  if (auto cert = parse_der(*der); !cert) return std::unexpected(cert.error());
  return der;
}

Result<std::string> certificate_pem_from_der(ByteView der) {
  if (auto cert = parse_der(der); !cert) return std::unexpected(cert.error());
  return pem_encode("CERTIFICATE", der);
}

Result<EcPublic> certificate_ec_public(ByteView cert_der) {
  auto cert = parse_der(cert_der);
  if (!cert) return std::unexpected(cert.error());
  // get0: the key belongs to the certificate; null when its SPKI cannot be decoded.
  const EVP_PKEY* key = X509_get0_pubkey(cert->get());
  if (!key) return ossl::fail_ossl(Errc::BadParameter, "certificate has an unreadable public key");
  auto pub = detail::ec_public_of(key);
  if (!pub && pub.error().code == Errc::BadParameter)
    return fail(Errc::BadParameter, "certificate key is not an EC key");
  return pub;
}

Result<ChainVerdict> verify_chain(const std::vector<Bytes>& chain_der, std::string_view trust_pem) {
  if (chain_der.empty()) return fail(Errc::BadParameter, "certificate chain is empty");
  std::vector<ossl::X509Ptr> chain;
  for (const Bytes& der : chain_der) {
    auto cert = parse_der(der);
    if (!cert) return std::unexpected(cert.error());
    chain.push_back(std::move(*cert));
  }
  auto anchors = parse_pem_bundle(trust_pem);
  if (!anchors) return std::unexpected(anchors.error());

  std::unique_ptr<X509_STORE, StoreFree> store(X509_STORE_new());
  std::unique_ptr<STACK_OF(X509), StackFree> untrusted(sk_X509_new_null());
  std::unique_ptr<X509_STORE_CTX, StoreCtxFree> ctx(X509_STORE_CTX_new());
  if (!store || !untrusted || !ctx) return ossl::fail_ossl(Errc::Internal, "cannot allocate");
  // X509_STORE_add_cert takes its own reference, so the anchors vector may free them later.
  for (const auto& anchor : *anchors)
    if (X509_STORE_add_cert(store.get(), anchor.get()) != 1)
      return ossl::fail_ossl(Errc::Internal, "cannot add trust anchor");
  for (std::size_t i = 1; i < chain.size(); ++i)
    if (sk_X509_push(untrusted.get(), chain[i].get()) <= 0)
      return ossl::fail_ossl(Errc::Internal, "cannot build certificate chain");
  if (X509_STORE_CTX_init(ctx.get(), store.get(), chain[0].get(), untrusted.get()) != 1)
    return ossl::fail_ossl(Errc::Internal, "cannot set up chain verification");
  X509_STORE_CTX_set_flags(ctx.get(), X509_V_FLAG_PARTIAL_CHAIN);

  ChainVerdict verdict;
  const int rc = X509_verify_cert(ctx.get());
  verdict.chain_ok = rc == 1;
  if (!verdict.chain_ok) {
    const int err = X509_STORE_CTX_get_error(ctx.get());
    // rc < 0 is an internal failure that may leave X509_V_OK behind; still a "no", with a reason.
    verdict.error = err != X509_V_OK ? X509_verify_cert_error_string(err)
                                     : "certificate chain verification failed";
  }
  ossl::drain_errors();
  verdict.subject = name_text(X509_get_subject_name(chain[0].get()));
  verdict.issuer = name_text(X509_get_issuer_name(chain[0].get()));
  verdict.sha256_fingerprint = to_hex(sha256(chain_der[0]));
  return verdict;
}

}  // namespace cv::crypto
