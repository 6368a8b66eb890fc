// A loaded PKCS#11 module: dlopen + C_GetFunctionList + C_Initialize, undone in reverse on
// destruction.
//
// PKCS#11 initialisation is per process, not per caller: a second C_Initialize answers
// CKR_CRYPTOKI_ALREADY_INITIALIZED and one C_Finalize ends it for everyone. So modules are shared
// through a process-wide registry keyed by path: every Token (and init_token) of one path holds the
// same Module, and the last one to let go finalises. If someone else (libp11, another library) had
// initialised the module before us, we never finalise it: it is theirs.
//
// Thread safety: acquire() may be called from any thread; the function list is safe for concurrent
// use because we initialise with CKF_OS_LOCKING_OK.
#pragma once

#include <memory>
#include <string>

#include "coldvault/error.hpp"
#include "pkcs11/p11.hpp"

namespace cv::hsm {

class Module {
 public:
  // The shared, initialised module at `path`. HsmUnavailable naming the path when it cannot be
  // loaded or has no C_GetFunctionList; the C_Initialize error otherwise.
  static Result<std::shared_ptr<Module>> acquire(const std::string& path);

  Module(Module&&) noexcept;
  Module& operator=(Module&&) = delete;  // a registry entry never changes identity
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;
  ~Module();

  CK_FUNCTION_LIST_PTR fn() const { return fn_; }
  const std::string& path() const { return path_; }

 private:
  // Owns the dlopen handle; dlclose on destruction (after C_Finalize, see ~Module).
  struct DlClose {
    void operator()(void* h) const noexcept;
  };
  using DlHandle = std::unique_ptr<void, DlClose>;

  Module(std::string path, DlHandle lib, CK_FUNCTION_LIST_PTR fn, bool finalize);
  static Result<Module> load(const std::string& path);

  std::string path_;
  DlHandle lib_;
  CK_FUNCTION_LIST_PTR fn_ = nullptr;
  bool finalize_ = false;  // true only when our C_Initialize started the library
};

}  // namespace cv::hsm
