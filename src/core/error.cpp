// The single table behind docs/errors.md: Errc -> (HTTP status, Key Vault code, CLI exit code).
// tests/unit/error_test.cpp checks every Errc is mapped and that the doc lists each row.
#include "coldvault/error.hpp"

namespace cv {
namespace {

struct Row {
  Errc code;
  std::string_view name;
  int http;
  std::string_view kv;
  int exit;
};

constexpr Row kRows[] = {
    {Errc::NotFound, "NotFound", 404, "NotFound", 3},
    {Errc::Conflict, "Conflict", 409, "Conflict", 4},
    {Errc::BadParameter, "BadParameter", 400, "BadParameter", 2},
    {Errc::Forbidden, "Forbidden", 403, "Forbidden", 5},
    {Errc::Unauthenticated, "Unauthenticated", 401, "Unauthorized", 6},
    {Errc::Disabled, "Disabled", 403, "Forbidden", 7},
    {Errc::Corruption, "Corruption", 500, "InternalError", 8},
    {Errc::HsmUnavailable, "HsmUnavailable", 503, "ServiceUnavailable", 10},
    {Errc::HsmLoginFailed, "HsmLoginFailed", 503, "ServiceUnavailable", 11},
    {Errc::HsmFailure, "HsmFailure", 500, "InternalError", 12},
    {Errc::StorageFailure, "StorageFailure", 500, "InternalError", 13},
    {Errc::Unsupported, "Unsupported", 400, "NotSupported", 14},
    {Errc::Internal, "Internal", 500, "InternalError", 20},
};

const Row& row(Errc c) {
  for (const auto& r : kRows)
    if (r.code == c) return r;
  return kRows[sizeof(kRows) / sizeof(kRows[0]) - 1];
}

}  // namespace

std::string_view errc_name(Errc code) { return row(code).name; }
int exit_code(Errc code) { return row(code).exit; }
int http_status(Errc code) { return row(code).http; }
std::string kv_error_code(const Error& e) {
  return e.kv_code.empty() ? std::string(row(e.code).kv) : e.kv_code;
}

}  // namespace cv
