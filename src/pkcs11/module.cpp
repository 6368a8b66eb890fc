// Module loading and the process-wide registry. See module.hpp for why modules are shared.
#include "pkcs11/module.hpp"

#include <dlfcn.h>
#include <stdlib.h>

#include <map>
#include <mutex>

#include "pkcs11/rv.hpp"

namespace cv::hsm {

namespace {

// Guards the registry and every C_Initialize/C_Finalize: a module finalising in one thread must not
// race with the same path being initialised again in another. Recursive because the last shared_ptr
// to a Module may be released while the registry lock is already held (a failed acquire).
std::recursive_mutex& registry_mutex() {
  static std::recursive_mutex m;
  return m;
}

std::map<std::string, std::weak_ptr<Module>>& registry() {
  static std::map<std::string, std::weak_ptr<Module>> r;
  return r;
}

}  // namespace

void Module::DlClose::operator()(void* h) const noexcept {
  if (h != nullptr) dlclose(h);
}

Module::Module(std::string path, DlHandle lib, CK_FUNCTION_LIST_PTR fn, bool finalize)
    : path_(std::move(path)), lib_(std::move(lib)), fn_(fn), finalize_(finalize) {}

Module::Module(Module&& o) noexcept
    : path_(std::move(o.path_)), lib_(std::move(o.lib_)), fn_(o.fn_), finalize_(o.finalize_) {
  o.fn_ = nullptr;
  o.finalize_ = false;
}

Module::~Module() {
  if (fn_ != nullptr && finalize_) {
    std::lock_guard lock(registry_mutex());
    // Nothing useful can be done with a C_Finalize failure in a destructor; the process keeps
    // going.
    (void)fn_->C_Finalize(nullptr);
  }
}

Result<Module> Module::load(const std::string& path) {
  dlerror();
  DlHandle lib(dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL));
  if (!lib) {
    const char* why = dlerror();
    return fail(Errc::HsmUnavailable, "cannot load PKCS#11 module '" + path + "'",
                why != nullptr ? why : "");
  }
  using GetFunctionList = CK_RV (*)(CK_FUNCTION_LIST_PTR_PTR);
  auto get = reinterpret_cast<GetFunctionList>(dlsym(lib.get(), "C_GetFunctionList"));
  if (get == nullptr) {
    return fail(Errc::HsmUnavailable,
                "'" + path + "' is not a PKCS#11 module (no C_GetFunctionList)");
  }
  CK_FUNCTION_LIST_PTR fn = nullptr;
  if (CK_RV rv = get(&fn); rv != CKR_OK || fn == nullptr) {
    return rv_fail(rv == CKR_OK ? CKR_GENERAL_ERROR : rv, "C_GetFunctionList of '" + path + "'");
  }

  // OS locking: the Token hands sessions to several threads at once.
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  CK_RV rv = fn->C_Initialize(&args);
  bool finalize = true;
  if (rv == CKR_CRYPTOKI_ALREADY_INITIALIZED) {
    finalize = false;  // someone else in this process owns the initialisation
  } else if (rv != CKR_OK) {
    return rv_fail(rv, "C_Initialize of '" + path + "'");
  }
  return Module(path, std::move(lib), fn, finalize);
}

namespace {

// Two spellings of one file (a symlink, "./x.so") must find one registry entry, or the first Token
// to go would finalise the library under the other. Paths that do not resolve (a bare soname left
// to the loader's search) are kept as given.
std::string registry_key(const std::string& path) {
  struct FreeDeleter {
    void operator()(char* p) const noexcept { free(p); }
  };
  std::unique_ptr<char, FreeDeleter> real(realpath(path.c_str(), nullptr));
  return real ? std::string(real.get()) : path;
}

}  // namespace

Result<std::shared_ptr<Module>> Module::acquire(const std::string& path) {
  std::lock_guard lock(registry_mutex());
  auto& reg = registry();
  const std::string key = registry_key(path);
  if (auto it = reg.find(key); it != reg.end()) {
    if (auto live = it->second.lock()) return live;
  }
  auto loaded = load(path);
  if (!loaded) return std::unexpected(std::move(loaded.error()));
  auto shared = std::make_shared<Module>(std::move(*loaded));
  reg[key] = shared;
  return shared;
}

}  // namespace cv::hsm
