// Module loading, the process-wide registry and the recycle bound. See module.hpp for why modules
// are shared.
#include "pkcs11/module.hpp"

#include <dlfcn.h>
#include <stdlib.h>

#include <cstdlib>
#include <map>
#include <mutex>

#include "coldvault/hsm.hpp"
#include "pkcs11/rv.hpp"

namespace cv::hsm {

namespace {

// Guards the registry and every C_Initialize/C_Finalize: a module finalising in one thread must not
// race with the same path being initialised again in another. Recursive because a shared_ptr made
// under the lock may call its deleter (release) there if it cannot allocate.
std::recursive_mutex& registry_mutex() {
  static std::recursive_mutex m;
  return m;
}

// Users are counted here, under the lock, rather than left to a weak_ptr: a weak_ptr expires before
// the last owner's destructor has taken the lock, and an acquire in that gap would load the module
// again (CKR_CRYPTOKI_ALREADY_INITIALIZED, so "not ours"), and then see the old one finalise it.
struct Entry {
  std::unique_ptr<Module> module;
  std::size_t users = 0;
};

// Never destroyed: at exit, a Token still held by a thread or a late static must not find its
// module finalised under it, nor release into a map that is gone.
std::map<std::string, Entry>& registry() {
  static auto* r = new std::map<std::string, Entry>;
  return *r;
}

std::atomic<std::uint64_t> g_recycles{0};

std::uint64_t bound_from_env() {
  const char* v = std::getenv("COLDVAULT_HSM_RECYCLE_AFTER");
  if (v == nullptr || *v == '\0') return kRecycleAfterSessionObjects;
  char* end = nullptr;
  unsigned long long n = std::strtoull(v, &end, 10);
  // Not a number: the default, rather than "never" by accident.
  return *end == '\0' ? n : kRecycleAfterSessionObjects;
}

std::atomic<std::uint64_t>& bound() {
  static std::atomic<std::uint64_t> b{bound_from_env()};
  return b;
}

void release(const std::string& key) noexcept {
  std::lock_guard lock(registry_mutex());
  auto& reg = registry();
  auto it = reg.find(key);
  if (it == reg.end() || --it->second.users != 0) return;
  // ~Module runs here, under the lock: C_Finalize completes before any acquire can load again.
  reg.erase(it);
}

}  // namespace

std::uint64_t recycle_bound() { return bound().load(std::memory_order_relaxed); }
void set_recycle_bound(std::uint64_t n) { bound().store(n, std::memory_order_relaxed); }
std::uint64_t module_recycles() { return g_recycles.load(); }

void Module::DlClose::operator()(void* h) const noexcept {
  if (h != nullptr) dlclose(h);
}

Module::Module(std::string path, DlHandle lib, CK_FUNCTION_LIST_PTR fn, bool finalize)
    : path_(std::move(path)), lib_(std::move(lib)), fn_(fn), finalize_(finalize) {}

Module::~Module() {
  if (fn_ != nullptr && finalize_) {
    std::lock_guard lock(registry_mutex());
    // Nothing useful can be done with a C_Finalize failure in a destructor; the process keeps
    // going.
    (void)fn_->C_Finalize(nullptr);
    if (claimed_.load()) g_recycles.fetch_add(1);
  }
}

bool Module::claim_recycle() noexcept {
  const std::uint64_t limit = recycle_bound();
  if (!finalize_ || limit == 0) return false;
  std::uint64_t since = claimed_at_.load();
  const std::uint64_t now = created_.load();
  // One winner per period: a caller that loses the exchange sees the new claimed_at_ and stops.
  while (now >= since && now - since >= limit) {
    if (claimed_at_.compare_exchange_weak(since, now)) {
      claimed_.store(true);
      return true;
    }
  }
  return false;
}

Result<std::unique_ptr<Module>> Module::load(const std::string& path) {
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
  return std::unique_ptr<Module>(new Module(path, std::move(lib), fn, finalize));
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
  auto it = reg.find(key);
  if (it == reg.end()) {
    auto loaded = load(path);
    if (!loaded) return std::unexpected(std::move(loaded.error()));
    it = reg.emplace(key, Entry{std::move(*loaded), 0}).first;
  }
  ++it->second.users;
  // The entry's Module outlives every pointer handed out: the deleter only gives up one use.
  return std::shared_ptr<Module>(it->second.module.get(), [key](Module*) { release(key); });
}

}  // namespace cv::hsm
