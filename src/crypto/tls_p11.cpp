// A TLS private key in the token through libp11: OpenSSL signs the handshake with an EVP_PKEY whose
// EC method calls C_Sign (CKM_ECDSA) on the token object; the key never leaves the token.
#include "crypto/tls_p11.hpp"

#include <libp11.h>

#include <cstring>
#include <string_view>

namespace cv::crypto::detail {

class P11Context {
 public:
  PKCS11_CTX* ctx = nullptr;
  bool loaded = false;
  PKCS11_SLOT* slots = nullptr;
  unsigned int nslots = 0;

  ~P11Context() {
    // libp11 0.4.12: releasing the slots calls C_CloseAllSessions per slot and wipes its PIN copy;
    // unloading calls C_Finalize. Both are harmless once coldvault's own Tokens are gone.
    if (slots != nullptr) PKCS11_release_all_slots(ctx, slots, nslots);
    if (loaded) PKCS11_CTX_unload(ctx);
    if (ctx != nullptr) PKCS11_CTX_free(ctx);
  }
};

void P11ContextDeleter::operator()(P11Context* c) const noexcept { delete c; }

namespace {

// libp11 reports through OpenSSL's error queue; its words go to Error::native.
std::unexpected<Error> fail_p11(Errc code, std::string message) {
  return ossl::fail_ossl(code, std::move(message));
}

}  // namespace

Result<TokenKey> load_token_key(const TokenKeyLocation& where, const SecureBytes& pin) {
  P11ContextPtr c(new P11Context);
  c->ctx = PKCS11_CTX_new();
  if (c->ctx == nullptr) return fail_p11(Errc::Internal, "cannot create a libp11 context");
  // C_Initialize here returns CKR_CRYPTOKI_ALREADY_INITIALIZED when an hsm::Token has the module
  // open; libp11 accepts that and shares the initialisation.
  if (PKCS11_CTX_load(c->ctx, where.module_path.c_str()) != 0)
    return fail_p11(Errc::HsmUnavailable,
                    "libp11 cannot load PKCS#11 module '" + where.module_path + "'");
  c->loaded = true;
  if (PKCS11_enumerate_slots(c->ctx, &c->slots, &c->nslots) != 0)
    return fail_p11(Errc::HsmFailure, "libp11 cannot list the slots of the module");

  // PKCS11_find_token picks any token; match the label instead, as hsm::Token does.
  PKCS11_SLOT* slot = nullptr;
  for (unsigned int i = 0; i < c->nslots && slot == nullptr; ++i) {
    const PKCS11_TOKEN* t = c->slots[i].token;
    if (t != nullptr && t->initialized && t->label != nullptr && where.token_label == t->label)
      slot = &c->slots[i];
  }
  if (slot == nullptr)
    return fail(Errc::NotFound, "libp11 finds no token labelled '" + where.token_label + "'");

  // A NUL-terminated copy for libp11 (it keeps its own, wiped when the slots are released).
  SecureBytes z(pin.begin(), pin.end());
  z.push_back(0);
  // No PKCS11_open_session: it would close every session of the slot, the hsm::Token's included.
  if (PKCS11_login(slot, 0, reinterpret_cast<const char*>(z.data())) != 0)
    return fail_p11(Errc::HsmLoginFailed, "libp11 cannot log in to token '" + where.token_label + "'");

  PKCS11_KEY* keys = nullptr;
  unsigned int nkeys = 0;
  if (PKCS11_enumerate_keys(slot->token, &keys, &nkeys) != 0)
    return fail_p11(Errc::HsmFailure, "libp11 cannot list the private keys of the token");
  PKCS11_KEY* found = nullptr;
  for (unsigned int i = 0; i < nkeys; ++i) {
    if (keys[i].label == nullptr || where.key_label != keys[i].label) continue;
    if (found != nullptr)
      return fail(Errc::Conflict, "several private keys labelled '" + where.key_label + "'");
    found = &keys[i];
  }
  if (found == nullptr)
    return fail(Errc::NotFound, "no private key labelled '" + where.key_label + "' in token '" +
                                    where.token_label + "'");
  ossl::PkeyPtr key(PKCS11_get_private_key(found));
  if (!key)
    return fail_p11(Errc::HsmFailure, "libp11 cannot use private key '" + where.key_label + "'");
  return TokenKey{std::move(c), std::move(key)};
}

}  // namespace cv::crypto::detail
