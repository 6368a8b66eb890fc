// The one error type of coldvault. Every fallible call returns Result<T>; exceptions are kept for bugs and
// bad_alloc and are caught only in the CLI's main and the REST handler wrapper.
// docs/errors.md maps each Errc to an HTTP status, a Key Vault error code and a CLI exit code.
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace cv {

enum class Errc {
  NotFound,
  Conflict,
  BadParameter,
  Forbidden,
  Unauthenticated,
  Disabled,
  Corruption,
  HsmUnavailable,
  HsmLoginFailed,
  HsmFailure,
  StorageFailure,
  Unsupported,
  Internal,
};

struct Error {
  Errc code = Errc::Internal;
  std::string message;  // for people; never carries key bytes, PINs, values or tokens
  std::string native;   // the C library's own words (CKR_..., sqlite text), may be empty
  std::string kv_code;  // Key Vault error code override ("SecretNotFound"); empty = default for code
  std::string inner;    // Key Vault innererror code ("ObjectIsDeletedButRecoverable"), may be empty
};

template <class T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> fail(Errc code, std::string message, std::string native = {}) {
  return std::unexpected(Error{code, std::move(message), std::move(native), {}, {}});
}
inline std::unexpected<Error> fail_kv(Errc code, std::string message, std::string kv_code,
                                      std::string inner = {}) {
  return std::unexpected(Error{code, std::move(message), {}, std::move(kv_code), std::move(inner)});
}

// The stable name of a code ("NotFound"), used in JSON errors and docs.
std::string_view errc_name(Errc code);
// CLI exit code for a code (docs/errors.md); 0 is never returned.
int exit_code(Errc code);
// HTTP status for a code (docs/errors.md).
int http_status(Errc code);
// Key Vault error code for an error: e.kv_code when set, else the default for e.code.
std::string kv_error_code(const Error& e);

// Every Errc, for tests that check the mapping is complete.
inline constexpr Errc kAllErrc[] = {Errc::NotFound,     Errc::Conflict,       Errc::BadParameter,
                                    Errc::Forbidden,    Errc::Unauthenticated, Errc::Disabled,
                                    Errc::Corruption,   Errc::HsmUnavailable, Errc::HsmLoginFailed,
                                    Errc::HsmFailure,   Errc::StorageFailure, Errc::Unsupported,
                                    Errc::Internal};

}  // namespace cv
