// The server's TLS key in the token: the key pair, its certificate in the home, migration of the
// earlier file layout, and a TLS handshake signed by the token through libp11.
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "coldvault/crypto.hpp"
#include "coldvault/tls_key.hpp"
#include "coldvault/tls_server.hpp"
#include "coldvault/x509.hpp"
#include "vault_home.hpp"

namespace {

using cv::Errc;
namespace fs = std::filesystem;

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

const std::vector<std::string> kDns = {"localhost", "*.vault.localhost", "main.vault.localhost"};
const std::vector<std::string> kIps = {"127.0.0.1", "::1"};

class TlsKey : public cvtest::VaultHome {
 protected:
  cv::Bytes token_spki(const std::string& label) {
    auto pub = svc->token().find(label, "public");
    EXPECT_TRUE(pub) << pub.error().message;
    auto ec = svc->token().ec_public(*pub);
    EXPECT_TRUE(ec);
    return *cv::crypto::spki_der(*ec);
  }
};

TEST_F(TlsKey, KeyPairIsTokenObject_CertificateCarriesItsPublicKey) {
  auto cert = cv::vault::ensure_tls_certificate(*svc, kDns, kIps);
  ASSERT_TRUE(cert) << cert.error().message;
  EXPECT_TRUE(cert->issued);
  EXPECT_EQ(cert->key_label, "coldvault-tls-" + svc->domain_kid());
  EXPECT_EQ(cert->path, opts.home + "/tls/server.pem");
  auto f = cv::crypto::certificate_fields(cert->der);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->spki_der, token_spki(cert->key_label));
  EXPECT_TRUE(f->self_signed);
  EXPECT_EQ(f->dns_names, kDns);
  EXPECT_EQ(f->ip_addresses, kIps);
  EXPECT_EQ(f->ekus, std::vector<std::string>{"1.3.6.1.5.5.7.3.1"});
  EXPECT_EQ(read_all(cert->path), cv::crypto::pem_encode("CERTIFICATE", cert->der));
  auto priv = svc->token().find(cert->key_label, "private");
  ASSERT_TRUE(priv);
  EXPECT_FALSE(svc->token().value_readable(*priv)) << "the private half must be sensitive";
}

TEST_F(TlsKey, Certificate_KeptWhileNamesUnchanged_ReissuedWithSameKeyWhenTheyChange) {
  auto first = cv::vault::ensure_tls_certificate(*svc, kDns, kIps);
  ASSERT_TRUE(first);
  reopen();
  auto again = cv::vault::ensure_tls_certificate(*svc, {kDns.rbegin(), kDns.rend()}, kIps);
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->issued) << "same names in another order: same certificate";
  EXPECT_EQ(again->der, first->der);
  auto more = kDns;
  more.push_back("other.vault.localhost");
  auto changed = cv::vault::ensure_tls_certificate(*svc, more, kIps);
  ASSERT_TRUE(changed);
  EXPECT_TRUE(changed->issued);
  EXPECT_NE(changed->der, first->der);
  EXPECT_EQ(cv::crypto::certificate_fields(changed->der)->spki_der,
            cv::crypto::certificate_fields(first->der)->spki_der);
}

TEST_F(TlsKey, BadName_RefusedAndNoCertificateWritten) {
  auto r = cv::vault::ensure_tls_certificate(*svc, {"bad name"}, kIps);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::BadParameter);
  EXPECT_FALSE(fs::exists(opts.home + "/tls/server.pem"));
}

// Extends the planted-secret scans: the old layout's key files are planted, and afterwards no
// file anywhere in the home (catalogue, token objects, tls/) holds a private key.
TEST_F(TlsKey, OldKeyFiles_RemovedAndNoFileInHomeHoldsPrivateKey) {
  fs::create_directories(opts.home + "/tls");
  const std::string planted = "-----BEGIN PRIVATE KEY-----\nplanted-tls-key-3e1f\n";
  for (const char* name : {"ca-key.pem", "server-key.pem"})
    std::ofstream(opts.home + "/tls/" + name) << planted;
  std::ofstream(opts.home + "/tls/ca.pem") << "-----BEGIN CERTIFICATE-----\n";
  auto cert = cv::vault::ensure_tls_certificate(*svc, kDns, kIps);
  ASSERT_TRUE(cert) << cert.error().message;
  EXPECT_EQ(cert->removed.size(), 3u);
  for (int pass = 0; pass < 2; ++pass) {  // with the catalogue open, then closed
    std::size_t files = 0;
    for (auto& e : fs::recursive_directory_iterator(opts.home)) {
      if (!e.is_regular_file()) continue;
      ++files;
      const std::string content = read_all(e.path());
      EXPECT_EQ(content.find("PRIVATE KEY"), std::string::npos) << e.path();
      EXPECT_EQ(content.find("planted-tls-key"), std::string::npos) << e.path();
    }
    EXPECT_GE(files, 5u);  // catalogue, config, softhsm2.conf, token objects, server.pem
    svc.reset();
  }
}

// --- the handshake through libp11 ------------------------------------------------------------

using CtxPtr = std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)>;
using SslPtr = std::unique_ptr<SSL, decltype(&SSL_free)>;

// Runs a client and a server SSL against each other over a memory BIO pair, in this thread.
// Returns the client's SSL after success, nullptr when either side fails.
SslPtr handshake(SSL_CTX* server_ctx, SSL_CTX* client_ctx) {
  SslPtr s(SSL_new(server_ctx), SSL_free), c(SSL_new(client_ctx), SSL_free);
  BIO *sb = nullptr, *cb = nullptr;
  BIO_new_bio_pair(&sb, 0, &cb, 0);
  SSL_set_bio(s.get(), sb, sb);
  SSL_set_bio(c.get(), cb, cb);
  SSL_set_accept_state(s.get());
  SSL_set_connect_state(c.get());
  SSL_set_tlsext_host_name(c.get(), "localhost");
  SSL_set1_host(c.get(), "localhost");
  for (int round = 0; round < 20; ++round) {
    const int rc = SSL_do_handshake(c.get()), rs = SSL_do_handshake(s.get());
    if (rc == 1 && rs == 1) return c;
    const int ec = SSL_get_error(c.get(), rc), es = SSL_get_error(s.get(), rs);
    if ((rc != 1 && ec != SSL_ERROR_WANT_READ) || (rs != 1 && es != SSL_ERROR_WANT_READ)) break;
  }
  ERR_clear_error();
  return SslPtr(nullptr, SSL_free);
}

CtxPtr client_trusting(cv::ByteView cert_der, int max_version, const char* ciphers) {
  CtxPtr ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  const unsigned char* p = cert_der.data();
  X509* cert = d2i_X509(nullptr, &p, static_cast<long>(cert_der.size()));
  X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx.get()), cert);
  X509_free(cert);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_min_proto_version(ctx.get(), 0);
  SSL_CTX_set_max_proto_version(ctx.get(), max_version);
  if (ciphers) SSL_CTX_set_cipher_list(ctx.get(), ciphers);
  return ctx;
}

TEST_F(TlsKey, Handshake_SignedByTokenKeyThroughTheSigner_Tls12FloorAndAeadCiphers) {
  auto cert = cv::vault::ensure_tls_certificate(*svc, kDns, kIps);
  ASSERT_TRUE(cert) << cert.error().message;
  std::atomic<int> signatures{0};
  auto id = cv::crypto::ServerTlsIdentity::from_signer(cert->der, [&](cv::ByteView digest) {
    ++signatures;
    return cv::vault::sign_with_tls_key(*svc, cert->key_label, digest);
  });
  ASSERT_TRUE(id) << id.error().message << " " << id.error().native;
  CtxPtr server(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  ASSERT_TRUE(id->apply(server.get())) << "certificate and token key accepted by OpenSSL";
  EXPECT_EQ(signatures.load(), 0) << "putting the key into the context signs nothing";

  auto tls13 = client_trusting(cert->der, TLS1_3_VERSION, nullptr);
  auto c = handshake(server.get(), tls13.get());
  ASSERT_TRUE(c) << "TLS 1.3 handshake with the token key";
  EXPECT_EQ(SSL_version(c.get()), TLS1_3_VERSION);
  EXPECT_EQ(SSL_get_verify_result(c.get()), X509_V_OK);
  EXPECT_EQ(signatures.load(), 1) << "the CertificateVerify was signed in the token";

  auto gcm = client_trusting(cert->der, TLS1_2_VERSION, "ECDHE-ECDSA-AES128-GCM-SHA256");
  c = handshake(server.get(), gcm.get());
  ASSERT_TRUE(c) << "TLS 1.2 ECDHE-ECDSA-AES128-GCM";
  EXPECT_STREQ(SSL_get_cipher_name(c.get()), "ECDHE-ECDSA-AES128-GCM-SHA256");
  EXPECT_EQ(signatures.load(), 2) << "the ServerKeyExchange was signed in the token";

  auto cbc = client_trusting(cert->der, TLS1_2_VERSION, "ECDHE-ECDSA-AES128-SHA256");
  EXPECT_FALSE(handshake(server.get(), cbc.get())) << "CBC suites are not offered";
  auto tls11 = client_trusting(cert->der, TLS1_1_VERSION, "DEFAULT:@SECLEVEL=0");
  SSL_CTX_set_security_level(tls11.get(), 0);
  EXPECT_FALSE(handshake(server.get(), tls11.get())) << "TLS 1.1 is below the floor";

  // The identity holds nothing of the module: the Service (the last Token) may go and a new one come, and
  // the next handshake signs through the new one (what the server does after an outage or a recycle).
  svc.reset();
  svc.emplace(*cv::vault::Service::open(opts));
  c = handshake(server.get(), tls13.get());
  ASSERT_TRUE(c) << "a handshake after the module was finalised and initialised again";
  EXPECT_EQ(signatures.load(), 3);
}

TEST_F(TlsKey, SignerFailure_EndsTheHandshakeOnly) {
  auto cert = cv::vault::ensure_tls_certificate(*svc, kDns, kIps);
  ASSERT_TRUE(cert);
  bool broken = true;
  auto id = cv::crypto::ServerTlsIdentity::from_signer(cert->der, [&](cv::ByteView digest) -> cv::Result<cv::Bytes> {
    if (broken) return cv::fail(Errc::HsmUnavailable, "token away");
    return cv::vault::sign_with_tls_key(*svc, cert->key_label, digest);
  });
  ASSERT_TRUE(id);
  CtxPtr server(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  ASSERT_TRUE(id->apply(server.get()));
  auto tls13 = client_trusting(cert->der, TLS1_3_VERSION, nullptr);
  EXPECT_FALSE(handshake(server.get(), tls13.get())) << "no signature, no handshake";
  broken = false;
  EXPECT_TRUE(handshake(server.get(), tls13.get())) << "the same context serves once the signer works";
}

TEST_F(TlsKey, SignWithTlsKey_MissingKey_IsNotFoundNamingIt) {
  auto sig = cv::vault::sign_with_tls_key(*svc, "coldvault-tls-nosuch", cv::Bytes(32, 1));
  ASSERT_FALSE(sig);
  EXPECT_EQ(sig.error().code, Errc::NotFound);
  EXPECT_NE(sig.error().message.find("coldvault-tls-nosuch"), std::string::npos);
}

TEST_F(TlsKey, FromSigner_RefusesBytesThatAreNotOneCertificate) {
  auto id = cv::crypto::ServerTlsIdentity::from_signer(cv::Bytes{0x30, 0x03, 0x02, 0x01, 0x01},
                                                       [](cv::ByteView) -> cv::Result<cv::Bytes> { return cv::Bytes{}; });
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().code, Errc::BadParameter);
}

}  // namespace
