// What a Token is made of, shared by the files that implement its methods.
//
// Member order matters: the session pool is declared after the module so it is destroyed first (its
// sessions are closed while the module is still initialised).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "coldvault/hsm.hpp"
#include "pkcs11/module.hpp"
#include "pkcs11/p11.hpp"
#include "pkcs11/rv.hpp"
#include "pkcs11/session_pool.hpp"

namespace cv::hsm {

struct Token::Impl {
  Impl(std::shared_ptr<Module> m, CK_SLOT_ID s, std::string l, CK_SESSION_HANDLE login_session)
      : module(std::move(m)), slot(s), label(std::move(l)), pool(module->fn(), s, login_session) {}

  CK_FUNCTION_LIST_PTR fn() const { return module->fn(); }

  std::shared_ptr<Module> module;
  CK_SLOT_ID slot;
  std::string label;
  SessionPool pool;

  // require()/has() results; the token's mechanism list does not change while we hold it.
  mutable std::mutex mech_mutex;
  mutable std::map<Mech, bool> mech_cache;
};

namespace detail {

// The adapter's internal view of a Token (declared a friend in hsm.hpp).
struct TokenAccess {
  using Impl = Token::Impl;
  static Impl& impl(Token& t) { return *t.impl_; }
};

}  // namespace detail

// The private Impl under a name the adapter's free functions may use.
using TokenImpl = detail::TokenAccess::Impl;

// Runs f(session) on a borrowed session, returned to the pool when f is done; the pool's error if
// no session could be had. Every Token method that talks to the token goes through here.
template <class F>
auto with_session(TokenImpl& impl, F&& f) -> decltype(f(CK_SESSION_HANDLE{})) {
  auto lease = impl.pool.acquire();
  if (!lease) return std::unexpected(std::move(lease.error()));
  return f(lease->get());
}

// A call that writes an output of variable length (C_Encrypt, C_Decrypt, C_Sign, C_WrapKey) into
// out: made once with a buffer of `estimate` bytes (an upper bound the caller knows: the ciphertext
// for a decryption, the plaintext plus a block for an encryption). Only when the token answers
// CKR_BUFFER_TOO_SMALL, which reports the size and leaves the operation active (PKCS#11 v2.40
// §5.2), is it made again at that size. The usual "NULL to ask the size, then the bytes" costs
// every operation a second trip to the token. Returns the module's CK_RV; on CKR_OK out holds
// exactly the output.
template <class Out, class Run>
CK_RV call_into(Out& out, std::size_t estimate, Run&& run) {
  // Never a NULL buffer, which would only ask for the size.
  out.resize(estimate == 0 ? 1 : estimate);
  CK_ULONG len = out.size();
  CK_RV rv = run(out.data(), &len);
  if (rv == CKR_BUFFER_TOO_SMALL && len > out.size()) {
    out.resize(len);
    rv = run(out.data(), &len);
  }
  if (rv != CKR_OK) return rv;
  // A module claiming more bytes than the buffer it was given.
  if (len > out.size()) return CKR_FUNCTION_FAILED;
  out.resize(len);
  return CKR_OK;
}

}  // namespace cv::hsm
