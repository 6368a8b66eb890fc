// A loaded PKCS#11 module: dlopen + C_GetFunctionList + C_Initialize, undone in reverse on
// destruction.
//
// PKCS#11 initialisation is per process, not per caller: a second C_Initialize answers
// CKR_CRYPTOKI_ALREADY_INITIALIZED and one C_Finalize ends it for everyone. So modules are shared
// through a process-wide registry keyed by path: every Token (and init_token) of one path holds the
// same Module, and the last one to let go finalises. If someone else (another library in the process) had
// initialised the module before us, we never finalise it: it is theirs.
//
// Recycling (docs/adr/0022-module-recycling.md): the module counts the session objects coldvault
// creates through it (count_session_objects, called where src/pkcs11 creates one) and says, once
// per recycle_bound() of them, that it should be finalised (claim_recycle). It never finalises
// itself while a user holds it: that is the registry's rule, whoever asks.
//
// Thread safety: acquire() and the counters may be used from any thread; the function list is safe
// for concurrent use because we initialise with CKF_OS_LOCKING_OK. The last user's release and the
// next acquire are serialised by the registry's lock, so a new user never meets a module that is
// being finalised.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "coldvault/error.hpp"
#include "pkcs11/p11.hpp"

namespace cv::hsm {

class Module {
 public:
  // The shared, initialised module at `path`. HsmUnavailable naming the path when it cannot be
  // loaded or has no C_GetFunctionList; the C_Initialize error otherwise. Each returned pointer is
  // one user: the module is finalised when the last one is released.
  static Result<std::shared_ptr<Module>> acquire(const std::string& path);

  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;
  ~Module();

  CK_FUNCTION_LIST_PTR fn() const { return fn_; }
  const std::string& path() const { return path_; }

  // Called after every C_GenerateKey(Pair), C_UnwrapKey, C_CreateObject, C_CopyObject that made
  // session objects (n of them): SoftHSM keeps each until C_Finalize, destroyed or not.
  void count_session_objects(std::uint64_t n = 1) noexcept {
    created_.fetch_add(n, std::memory_order_relaxed);
  }
  std::uint64_t session_objects() const noexcept {
    return created_.load(std::memory_order_relaxed);
  }
  // See Token::claim_module_recycle. True for one caller per recycle_bound() objects.
  bool claim_recycle() noexcept;

 private:
  // Owns the dlopen handle; dlclose on destruction (after C_Finalize, see ~Module).
  struct DlClose {
    void operator()(void* h) const noexcept;
  };
  using DlHandle = std::unique_ptr<void, DlClose>;

  Module(std::string path, DlHandle lib, CK_FUNCTION_LIST_PTR fn, bool finalize);
  static Result<std::unique_ptr<Module>> load(const std::string& path);

  std::string path_;
  DlHandle lib_;
  CK_FUNCTION_LIST_PTR fn_ = nullptr;
  bool finalize_ = false;  // true only when our C_Initialize started the library
  std::atomic<std::uint64_t> created_{0};
  std::atomic<std::uint64_t> claimed_at_{0};  // created_ when claim_recycle last said true
  std::atomic<bool> claimed_{false};          // so ~Module counts its C_Finalize as a recycle
};

}  // namespace cv::hsm
