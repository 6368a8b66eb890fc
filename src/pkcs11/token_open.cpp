// Token::open: module, slot selection (label or RFC 7512 URI), one user login. Also the Token's
// lifetime members.
#include <memory>

#include "coldvault/hsm.hpp"
#include "pkcs11/slots.hpp"
#include "pkcs11/token_impl.hpp"

namespace cv::hsm {

std::string default_module_path() { return "/usr/lib/softhsm/libsofthsm2.so"; }

Result<UriPtr> parse_uri(const std::string& text) {
  if (text.empty()) return UriPtr{};
  if (auto r = refuse_pin_in_uri(text); !r) return std::unexpected(std::move(r.error()));
  UriPtr uri(p11_kit_uri_new());
  if (!uri) return fail(Errc::Internal, "p11_kit_uri_new failed");
  int rc = p11_kit_uri_parse(text.c_str(), P11_KIT_URI_FOR_ANY, uri.get());
  if (rc != P11_KIT_URI_OK) {
    return fail(Errc::BadParameter, "not a valid PKCS#11 URI", p11_kit_uri_message(rc));
  }
  return uri;
}

bool matches(const TokenSpec& spec, P11KitUri* uri, SlotToken& t) {
  if (!t.initialized()) return false;
  if (!spec.token_label.empty() && t.label != spec.token_label) return false;
  if (uri != nullptr) {
    // p11-kit compares token, serial, manufacturer, model (and slot fields) as RFC 7512 says.
    if (p11_kit_uri_match_token_info(uri, &t.token_info) != 1) return false;
    if (p11_kit_uri_match_slot_info(uri, &t.slot_info) != 1) return false;
  }
  return true;
}

namespace {

std::string wanted(const TokenSpec& spec) {
  if (!spec.token_label.empty()) return "token labelled '" + spec.token_label + "'";
  return "token matching the PKCS#11 URI";
}

// One login attempt, never repeated: a wrong PIN counts towards the token's lockout.
Result<void> login(CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE s, const SecureBytes& pin,
                   const std::string& label, bool pin_was_initialised) {
  if (pin.empty()) {
    // An empty PIN would still be an attempt counted towards lockout; refuse it here.
    return fail(Errc::BadParameter, "no user PIN given for token '" + label + "'");
  }
  CK_RV rv = fn->C_Login(s, CKU_USER, const_cast<CK_UTF8CHAR_PTR>(pin.data()), pin.size());
  switch (rv) {
    case CKR_OK:
    case CKR_USER_ALREADY_LOGGED_IN:  // login is per application; someone in this process did it
      return {};
    case CKR_PIN_INCORRECT:
      return fail(Errc::HsmLoginFailed, "PIN incorrect for token '" + label + "'", rv_name(rv));
    case CKR_PIN_LOCKED:
      return fail(Errc::HsmLoginFailed, "PIN locked for token '" + label + "'", rv_name(rv));
    case CKR_USER_PIN_NOT_INITIALIZED:
      // The token said a moment ago that its user PIN is set: it read its state file while another
      // process rewrote it. No PIN was checked, so nothing counts towards lockout; the caller may
      // try again (HsmFailure is transient).
      if (pin_was_initialised)
        return fail(Errc::HsmFailure, "token '" + label + "' briefly reported no user PIN (its state is "
                                      "being rewritten by another process)", rv_name(rv));
      return rv_fail(rv, "C_Login on token '" + label + "'");
    default:
      return rv_fail(rv, "C_Login on token '" + label + "'");
  }
}

}  // namespace

Result<Token> Token::open(const TokenSpec& spec, const SecureBytes& user_pin) {
  auto uri = parse_uri(spec.uri);
  if (!uri) return std::unexpected(std::move(uri.error()));
  if (spec.token_label.empty() && !*uri) {
    return fail(Errc::BadParameter, "a token label or a PKCS#11 URI is required");
  }

  std::string path = spec.module_path;
  if (path.empty() && *uri) {
    if (const char* p = p11_kit_uri_get_module_path(uri->get()); p != nullptr) path = p;
  }
  if (path.empty()) path = default_module_path();

  auto module = Module::acquire(path);
  if (!module) return std::unexpected(std::move(module.error()));
  CK_FUNCTION_LIST_PTR fn = (*module)->fn();

  auto tokens = list_tokens(fn);
  if (!tokens) return std::unexpected(std::move(tokens.error()));
  SlotToken* found = nullptr;
  for (auto& t : *tokens) {
    if (!matches(spec, uri->get(), t)) continue;
    if (found != nullptr) {
      return fail(Errc::Conflict, "more than one " + wanted(spec) + " in '" + path + "'");
    }
    found = &t;
  }
  if (found == nullptr) {
    return fail(Errc::NotFound, "no " + wanted(spec) + " in '" + path +
                                    "' (tokens present: " + describe_labels(*tokens) + ")");
  }

  if ((found->token_info.flags & CKF_USER_PIN_LOCKED) != 0) {
    // Known before trying: an attempt would only fail the same way.
    return fail(Errc::HsmLoginFailed, "PIN locked for token '" + found->label + "'",
                "CKR_PIN_LOCKED");
  }
  auto opened = open_rw_session(fn, found->slot);
  if (!opened) return std::unexpected(std::move(opened.error()));
  Session session(fn, *opened);
  if (auto ok = login(fn, session.get(), user_pin, found->label,
                          (found->token_info.flags & CKF_USER_PIN_INITIALIZED) != 0); !ok) {
    return std::unexpected(std::move(ok.error()));
  }
  // The login session seeds the pool and stays open for the Token's life, keeping the login alive.
  auto impl =
      std::make_unique<Impl>(std::move(*module), found->slot, found->label, session.release());
  return Token(std::move(impl));
}

Token::Token(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Token::Token(Token&&) noexcept = default;
Token& Token::operator=(Token&&) noexcept = default;
Token::~Token() = default;

std::string Token::label() const { return impl_->label; }
std::string Token::module_path() const { return impl_->module->path(); }

bool Token::claim_module_recycle() { return impl_->module->claim_recycle(); }
std::uint64_t Token::module_session_objects() const { return impl_->module->session_objects(); }

}  // namespace cv::hsm
