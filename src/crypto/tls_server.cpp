// The server's certificate, key and protocol policy in an SSL_CTX (contract in tls_server.hpp).
#include "coldvault/tls_server.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <vector>

#include "crypto/tls_signer.hpp"

namespace cv::crypto {

struct ServerTlsIdentity::Impl {
  ossl::PkeyPtr key;
  std::vector<ossl::X509Ptr> chain;  // leaf first
};

ServerTlsIdentity::ServerTlsIdentity(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ServerTlsIdentity::ServerTlsIdentity(ServerTlsIdentity&&) noexcept = default;
ServerTlsIdentity& ServerTlsIdentity::operator=(ServerTlsIdentity&&) noexcept = default;
ServerTlsIdentity::~ServerTlsIdentity() = default;

namespace {

Result<void> check_pair(const X509* leaf, const EVP_PKEY* key, const std::string& what) {
  // Compares the public halves only; nothing is signed, so the token is not asked for anything.
  if (X509_check_private_key(leaf, key) != 1)
    return ossl::fail_ossl(Errc::BadParameter, what + " does not match the certificate");
  return {};
}

}  // namespace

Result<ServerTlsIdentity> ServerTlsIdentity::from_signer(ByteView cert_der, EcdsaSigner sign) {
  auto impl = std::make_unique<Impl>();
  const unsigned char* p = cert_der.data();
  ossl::X509Ptr leaf(d2i_X509(nullptr, &p, static_cast<long>(cert_der.size())));
  if (!leaf || p != cert_der.data() + cert_der.size())
    return ossl::fail_ossl(Errc::BadParameter, "the TLS certificate is not one DER certificate");
  auto key = detail::callback_key(leaf.get(), std::move(sign));
  if (!key) return std::unexpected(key.error());
  impl->key = std::move(*key);
  impl->chain.push_back(std::move(leaf));
  return ServerTlsIdentity(std::move(impl));
}

Result<ServerTlsIdentity> ServerTlsIdentity::from_files(const std::string& cert_path,
                                                        const std::string& key_path) {
  auto impl = std::make_unique<Impl>();
  ossl::BioPtr cb(BIO_new_file(cert_path.c_str(), "r"));
  if (!cb) return ossl::fail_ossl(Errc::BadParameter, "cannot read TLS certificate " + cert_path);
  while (X509* c = PEM_read_bio_X509(cb.get(), nullptr, nullptr, nullptr))
    impl->chain.emplace_back(c);
  ERR_clear_error();  // the loop ends on "no start line"
  if (impl->chain.empty())
    return fail(Errc::BadParameter, "no certificate in TLS certificate file " + cert_path);
  ossl::BioPtr kb(BIO_new_file(key_path.c_str(), "r"));
  if (kb) impl->key.reset(PEM_read_bio_PrivateKey(kb.get(), nullptr, nullptr, nullptr));
  if (!impl->key)
    return ossl::fail_ossl(Errc::BadParameter, "cannot read TLS private key " + key_path);
  // A key file's public half is not checked against its private half by OpenSSL's reader; a mismatched file
  // would start a server whose every handshake fails (the same check as every imported key, crypto.hpp).
  ossl::PkeyCtxPtr pairwise(EVP_PKEY_CTX_new_from_pkey(nullptr, impl->key.get(), nullptr));
  if (!pairwise || EVP_PKEY_pairwise_check(pairwise.get()) != 1)
    return ossl::fail_ossl(Errc::BadParameter, "TLS key " + key_path + " does not match its own public key");
  if (auto r = check_pair(impl->chain.front().get(), impl->key.get(), "TLS key " + key_path); !r)
    return std::unexpected(r.error());
  return ServerTlsIdentity(std::move(impl));
}

Result<void> ServerTlsIdentity::apply(ssl_ctx_st* ctx) const {
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1)
    return ossl::fail_ossl(Errc::Internal, "cannot set the TLS 1.2 floor");
  if (SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1)
    return ossl::fail_ossl(Errc::Internal, "cannot set the TLS 1.2 cipher list");
  // Renegotiation is off in OpenSSL 3 servers unless asked for; compression is refused here.
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                               SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_use_certificate(ctx, impl_->chain.front().get()) != 1)
    return ossl::fail_ossl(Errc::Internal, "cannot use the TLS certificate");
  for (std::size_t i = 1; i < impl_->chain.size(); ++i)
    if (SSL_CTX_add1_chain_cert(ctx, impl_->chain[i].get()) != 1)
      return ossl::fail_ossl(Errc::Internal, "cannot add a TLS chain certificate");
  if (SSL_CTX_use_PrivateKey(ctx, impl_->key.get()) != 1)
    return ossl::fail_ossl(Errc::Internal, "cannot use the TLS private key");
  return {};
}

}  // namespace cv::crypto
