// libcv_faultmod.so: a PKCS#11 module for tests that loads the real one and fails a chosen call.
//
// This is the one place outside src/pkcs11 allowed to include pkcs11.h: it *is* a PKCS#11 module, so it
// must speak the C ABI itself (docs/reliability.md). It is a test part, never installed.
//
// Every function of the real module's list is forwarded through a list of our own. Each forwarded call
// is counted, except C_GetFunctionList, C_Initialize, C_Finalize and C_GetInfo: those load and unload
// the module, and a failure there is the "module missing" case the broken-home tests already cover.
// Configuration, read once at the first C_GetFunctionList:
//   CV_FAULT_REAL_MODULE  the module to forward to (default /usr/lib/softhsm/libsofthsm2.so)
//   CV_FAULT_AT=N         fail the Nth counted call (1-based); unset or 0 = never fail
//   CV_FAULT_FUNC=C_Sign  count only calls of that function
//   CV_FAULT_RV=NAME      the CKR_* returned (default CKR_DEVICE_REMOVED); one of the five below
//   CV_FAULT_STICKY=1     every counted call from the Nth on fails (a token that stays removed)
//   CV_FAULT_COUNT_FILE=F write the number of counted calls to F at C_Finalize and at exit, so a sweep
//                         knows the range of N
//   CV_FAULT_LOG=F        append "N function" for each counted call (to name the function at a given N),
//                         "N function injected" for a call that was failed
// A failed call is not forwarded: the real module never sees it, as if the token went away first.
// The library is linked -z nodelete, so the count runs across the reloads of coldvault's open retries.
#include <dlfcn.h>
#include <p11-kit/pkcs11.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

namespace {

CK_FUNCTION_LIST* g_real = nullptr;
CK_FUNCTION_LIST g_ours;
std::once_flag g_once;
CK_RV g_load_rv = CKR_OK;

unsigned long g_at = 0;
bool g_sticky = false;
CK_RV g_rv = CKR_DEVICE_REMOVED;
std::string g_func;
std::string g_count_file;
std::string g_log_file;
std::atomic<unsigned long> g_count{0};
std::mutex g_log_mutex;

CK_RV rv_by_name(const char* name) {
  struct Named { const char* name; CK_RV rv; };
  static const Named kNames[] = {
      {"CKR_DEVICE_REMOVED", CKR_DEVICE_REMOVED},   {"CKR_SESSION_HANDLE_INVALID", CKR_SESSION_HANDLE_INVALID},
      {"CKR_TOKEN_NOT_PRESENT", CKR_TOKEN_NOT_PRESENT}, {"CKR_GENERAL_ERROR", CKR_GENERAL_ERROR},
      {"CKR_DEVICE_MEMORY", CKR_DEVICE_MEMORY}};
  for (const auto& n : kNames)
    if (std::strcmp(n.name, name) == 0) return n.rv;
  // A typo in a test must not silently test nothing.
  std::fprintf(stderr, "cv_faultmod: unknown CV_FAULT_RV '%s'\n", name);
  std::abort();
}

void write_count() {
  if (g_count_file.empty()) return;
  // Test-only file, read after the process ends; no atomic writer needed (not a project file).
  if (FILE* f = std::fopen(g_count_file.c_str(), "w")) {
    std::fprintf(f, "%lu\n", g_count.load());
    std::fclose(f);
  }
}

// Returns the CK_RV to inject for this call of `name`, or CKR_OK to forward it.
CK_RV fault_for(const char* name) {
  if (!g_func.empty() && g_func != name) return CKR_OK;
  unsigned long n = ++g_count;
  bool inject = g_at != 0 && (n == g_at || (g_sticky && n > g_at));
  if (!g_log_file.empty()) {
    std::lock_guard lock(g_log_mutex);
    if (FILE* f = std::fopen(g_log_file.c_str(), "a")) {
      std::fprintf(f, "%lu %s%s\n", n, name, inject ? " injected" : "");
      std::fclose(f);
    }
  }
  return inject ? g_rv : CKR_OK;
}

// One wrapper per member of the list, generated from the member's own function pointer type.
template <auto Member, typename Fn>
struct Forward;
template <auto Member, typename... Args>
struct Forward<Member, CK_RV (*)(Args...)> {
  static const char* name;
  static CK_RV call(Args... args) {
    if (CK_RV rv = fault_for(name); rv != CKR_OK) return rv;
    return (g_real->*Member)(args...);
  }
};
template <auto Member, typename... Args>
const char* Forward<Member, CK_RV (*)(Args...)>::name = nullptr;

CK_RV our_get_function_list(CK_FUNCTION_LIST** list);

CK_RV our_finalize(void* reserved) {
  CK_RV rv = g_real->C_Finalize(reserved);
  write_count();
  return rv;
}

void load() {
  const char* path = std::getenv("CV_FAULT_REAL_MODULE");
  if (path == nullptr || *path == '\0') path = "/usr/lib/softhsm/libsofthsm2.so";
  void* lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);  // kept for the life of the process
  if (lib == nullptr) { g_load_rv = CKR_GENERAL_ERROR; return; }
  auto get = reinterpret_cast<CK_RV (*)(CK_FUNCTION_LIST**)>(dlsym(lib, "C_GetFunctionList"));
  if (get == nullptr || (g_load_rv = get(&g_real)) != CKR_OK || g_real == nullptr) {
    if (g_load_rv == CKR_OK) g_load_rv = CKR_GENERAL_ERROR;
    return;
  }
  if (const char* v = std::getenv("CV_FAULT_AT")) g_at = std::strtoul(v, nullptr, 10);
  if (const char* v = std::getenv("CV_FAULT_STICKY")) g_sticky = std::strcmp(v, "1") == 0;
  if (const char* v = std::getenv("CV_FAULT_RV"); v != nullptr && *v != '\0') g_rv = rv_by_name(v);
  if (const char* v = std::getenv("CV_FAULT_FUNC")) g_func = v;
  if (const char* v = std::getenv("CV_FAULT_COUNT_FILE")) g_count_file = v;
  if (const char* v = std::getenv("CV_FAULT_LOG")) g_log_file = v;
  std::atexit(write_count);

  g_ours = *g_real;
#define CV_FORWARD(fn)                                                           \
  Forward<&CK_FUNCTION_LIST::fn, decltype(CK_FUNCTION_LIST::fn)>::name = #fn; \
  g_ours.fn = &Forward<&CK_FUNCTION_LIST::fn, decltype(CK_FUNCTION_LIST::fn)>::call;
#define CV_PASS(fn) g_ours.fn = g_real->fn;  // not counted (see the header comment)
  CV_PASS(C_Initialize) CV_PASS(C_GetInfo)
  g_ours.C_Finalize = &our_finalize;
  g_ours.C_GetFunctionList = &our_get_function_list;
  CV_FORWARD(C_GetSlotList) CV_FORWARD(C_GetSlotInfo) CV_FORWARD(C_GetTokenInfo)
  CV_FORWARD(C_GetMechanismList) CV_FORWARD(C_GetMechanismInfo) CV_FORWARD(C_InitToken)
  CV_FORWARD(C_InitPIN) CV_FORWARD(C_SetPIN) CV_FORWARD(C_OpenSession) CV_FORWARD(C_CloseSession)
  CV_FORWARD(C_CloseAllSessions) CV_FORWARD(C_GetSessionInfo) CV_FORWARD(C_GetOperationState)
  CV_FORWARD(C_SetOperationState) CV_FORWARD(C_Login) CV_FORWARD(C_Logout) CV_FORWARD(C_CreateObject)
  CV_FORWARD(C_CopyObject) CV_FORWARD(C_DestroyObject) CV_FORWARD(C_GetObjectSize)
  CV_FORWARD(C_GetAttributeValue) CV_FORWARD(C_SetAttributeValue) CV_FORWARD(C_FindObjectsInit)
  CV_FORWARD(C_FindObjects) CV_FORWARD(C_FindObjectsFinal) CV_FORWARD(C_EncryptInit)
  CV_FORWARD(C_Encrypt) CV_FORWARD(C_EncryptUpdate) CV_FORWARD(C_EncryptFinal) CV_FORWARD(C_DecryptInit)
  CV_FORWARD(C_Decrypt) CV_FORWARD(C_DecryptUpdate) CV_FORWARD(C_DecryptFinal) CV_FORWARD(C_DigestInit)
  CV_FORWARD(C_Digest) CV_FORWARD(C_DigestUpdate) CV_FORWARD(C_DigestKey) CV_FORWARD(C_DigestFinal)
  CV_FORWARD(C_SignInit) CV_FORWARD(C_Sign) CV_FORWARD(C_SignUpdate) CV_FORWARD(C_SignFinal)
  CV_FORWARD(C_SignRecoverInit) CV_FORWARD(C_SignRecover) CV_FORWARD(C_VerifyInit) CV_FORWARD(C_Verify)
  CV_FORWARD(C_VerifyUpdate) CV_FORWARD(C_VerifyFinal) CV_FORWARD(C_VerifyRecoverInit)
  CV_FORWARD(C_VerifyRecover) CV_FORWARD(C_DigestEncryptUpdate) CV_FORWARD(C_DecryptDigestUpdate)
  CV_FORWARD(C_SignEncryptUpdate) CV_FORWARD(C_DecryptVerifyUpdate) CV_FORWARD(C_GenerateKey)
  CV_FORWARD(C_GenerateKeyPair) CV_FORWARD(C_WrapKey) CV_FORWARD(C_UnwrapKey) CV_FORWARD(C_DeriveKey)
  CV_FORWARD(C_SeedRandom) CV_FORWARD(C_GenerateRandom) CV_FORWARD(C_GetFunctionStatus)
  CV_FORWARD(C_CancelFunction) CV_FORWARD(C_WaitForSlotEvent)
#undef CV_FORWARD
#undef CV_PASS
}

CK_RV our_get_function_list(CK_FUNCTION_LIST** list) {
  if (list == nullptr) return CKR_ARGUMENTS_BAD;
  std::call_once(g_once, load);
  if (g_load_rv != CKR_OK) return g_load_rv;
  *list = &g_ours;
  return CKR_OK;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) CK_RV C_GetFunctionList(CK_FUNCTION_LIST** list) {
  return our_get_function_list(list);
}
