// init_token: C_InitToken on the first free slot, then the SO sets the user PIN.
#include <algorithm>
#include <array>

#include "coldvault/hsm.hpp"
#include "pkcs11/module.hpp"
#include "pkcs11/rv.hpp"
#include "pkcs11/session_pool.hpp"
#include "pkcs11/slots.hpp"

namespace cv::hsm {

namespace {

// Ends the SO login however init_token leaves; the session itself is closed by Session.
class SoLogin {
 public:
  SoLogin(CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE s) : fn_(fn), s_(s) {}
  SoLogin(const SoLogin&) = delete;
  SoLogin& operator=(const SoLogin&) = delete;
  ~SoLogin() { (void)fn_->C_Logout(s_); }

 private:
  CK_FUNCTION_LIST_PTR fn_;
  CK_SESSION_HANDLE s_;
};

CK_UTF8CHAR_PTR pin_ptr(const SecureBytes& pin) { return const_cast<CK_UTF8CHAR_PTR>(pin.data()); }

}  // namespace

Result<void> init_token(const std::string& module_path, const std::string& label,
                        const SecureBytes& so_pin, const SecureBytes& user_pin) {
  constexpr std::size_t kLabelField = 32;
  if (label.empty() || label.size() > kLabelField) {
    return fail(Errc::BadParameter, "a token label must be 1 to 32 bytes long");
  }
  if (so_pin.empty() || user_pin.empty()) {
    return fail(Errc::BadParameter, "SO PIN and user PIN must not be empty");
  }
  const std::string path = module_path.empty() ? default_module_path() : module_path;

  // Shared with any open Token of the same module; finalised when the last user lets go, which for
  // a lone init_token is at return, so the next C_Initialize sees the renumbered slots.
  auto module = Module::acquire(path);
  if (!module) return std::unexpected(std::move(module.error()));
  CK_FUNCTION_LIST_PTR fn = (*module)->fn();

  auto tokens = list_tokens(fn);
  if (!tokens) return std::unexpected(std::move(tokens.error()));
  const SlotToken* free_slot = nullptr;
  for (const auto& t : *tokens) {
    if (t.initialized() && t.label == label) {
      return fail(Errc::Conflict,
                  "a token labelled '" + label + "' already exists in '" + path + "'");
    }
    if (!t.initialized() && free_slot == nullptr) free_slot = &t;
  }
  if (free_slot == nullptr) {
    return fail(Errc::HsmUnavailable, "no slot with an uninitialised token in '" + path + "'");
  }

  std::array<CK_UTF8CHAR, kLabelField> padded;
  padded.fill(' ');
  std::copy(label.begin(), label.end(), padded.begin());
  if (CK_RV rv = fn->C_InitToken(free_slot->slot, pin_ptr(so_pin), so_pin.size(), padded.data());
      rv != CKR_OK) {
    return rv_fail(rv, "C_InitToken for token '" + label + "'");
  }

  auto opened = open_rw_session(fn, free_slot->slot);
  if (!opened) return std::unexpected(std::move(opened.error()));
  Session session(fn, *opened);
  if (CK_RV rv = fn->C_Login(session.get(), CKU_SO, pin_ptr(so_pin), so_pin.size()); rv != CKR_OK) {
    return rv_fail(rv, "SO login on new token '" + label + "'");
  }
  SoLogin so(fn, session.get());
  if (CK_RV rv = fn->C_InitPIN(session.get(), pin_ptr(user_pin), user_pin.size()); rv != CKR_OK) {
    return rv_fail(rv, "C_InitPIN on token '" + label + "'");
  }
  return {};
}

}  // namespace cv::hsm
