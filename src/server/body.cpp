// JSON request bodies, one checked field at a time.
#include "server/body.hpp"

#include <cmath>

#include "coldvault/base64.hpp"

namespace cv::server {
namespace {

const BodyJson* field(const BodyJson& j, std::string_view key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string prop(std::string_view key) { return "Property '" + std::string(key) + "'"; }

}  // namespace

Error bad_parameter(std::string message) {
  return Error{Errc::BadParameter, std::move(message), {}, "BadParameter", {}};
}

Result<BodyJson> json_body(const Request& r, bool allow_empty) {
  if (r.body.empty()) {
    if (allow_empty) return BodyJson::object();
    return std::unexpected(bad_parameter("The request body is required."));
  }
  BodyJson j = BodyJson::parse(r.body.view(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    return std::unexpected(bad_parameter("The request body is not valid JSON."));
  if (!j.is_object())
    return std::unexpected(bad_parameter("The request body must be a JSON object."));
  return j;
}

Result<std::optional<std::string>> opt_string(const BodyJson& j, std::string_view key) {
  const BodyJson* f = field(j, key);
  if (!f) return std::optional<std::string>{};
  if (!f->is_string()) return std::unexpected(bad_parameter(prop(key) + " must be a string."));
  return f->get<std::string>();
}

Result<std::string> req_string(const BodyJson& j, std::string_view key) {
  auto s = opt_string(j, key);
  if (!s) return std::unexpected(s.error());
  if (!*s) return std::unexpected(bad_parameter(prop(key) + " is required."));
  return **s;
}

Result<std::optional<bool>> opt_bool(const BodyJson& j, std::string_view key) {
  const BodyJson* f = field(j, key);
  if (!f) return std::optional<bool>{};
  if (!f->is_boolean())
    return std::unexpected(bad_parameter(prop(key) + " must be true or false."));
  return f->get<bool>();
}

Result<std::optional<std::int64_t>> opt_int(const BodyJson& j, std::string_view key) {
  const BodyJson* f = field(j, key);
  if (!f) return std::optional<std::int64_t>{};
  if (f->is_number_integer()) return f->get<std::int64_t>();
  if (f->is_number_float()) {
    double d = f->get<double>();
    // Unix seconds; some clients send 1.7e9 as a float. Anything fractional or absurd is refused.
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e15)
      return static_cast<std::int64_t>(d);
  }
  return std::unexpected(bad_parameter(prop(key) + " must be an integer (Unix seconds)."));
}

Result<std::optional<std::vector<std::string>>> opt_strings(const BodyJson& j, std::string_view key) {
  const BodyJson* f = field(j, key);
  if (!f) return std::optional<std::vector<std::string>>{};
  if (!f->is_array())
    return std::unexpected(bad_parameter(prop(key) + " must be an array of strings."));
  std::vector<std::string> out;
  for (const auto& e : *f) {
    if (!e.is_string())
      return std::unexpected(bad_parameter(prop(key) + " must be an array of strings."));
    out.push_back(e.get<std::string>());
  }
  return out;
}

Result<std::optional<vault::Tags>> opt_tags(const BodyJson& j) {
  const BodyJson* f = field(j, "tags");
  if (!f) return std::optional<vault::Tags>{};
  if (!f->is_object())
    return std::unexpected(bad_parameter("Property 'tags' must be an object of strings."));
  vault::Tags tags;
  for (auto it = f->begin(); it != f->end(); ++it) {
    if (!it.value().is_string())
      return std::unexpected(
          bad_parameter("Tag '" + std::string(it.key().view().substr(0, 64)) +
                        "' must have a string value."));
    tags[std::string(it.key().view())] = it.value().get<std::string>();
  }
  return tags;
}

Result<vault::Attributes> attributes_of(const BodyJson& j) {
  vault::Attributes a;
  const BodyJson* f = field(j, "attributes");
  if (!f) return a;
  if (!f->is_object())
    return std::unexpected(bad_parameter("Property 'attributes' must be an object."));
  auto enabled = opt_bool(*f, "enabled");
  if (!enabled) return std::unexpected(enabled.error());
  auto nbf = opt_int(*f, "nbf");
  if (!nbf) return std::unexpected(nbf.error());
  auto exp = opt_int(*f, "exp");
  if (!exp) return std::unexpected(exp.error());
  a.enabled = *enabled;
  a.nbf = *nbf;
  a.exp = *exp;
  return a;
}

Result<std::optional<Bytes>> opt_b64url(const BodyJson& j, std::string_view key) {
  auto s = opt_string(j, key);
  if (!s) return std::unexpected(s.error());
  if (!*s) return std::optional<Bytes>{};
  auto b = base64url_decode_lenient_padding(**s);
  if (!b)
    return std::unexpected(
        bad_parameter("Content of '" + std::string(key) + "' is not base64url."));
  return std::optional<Bytes>(std::move(*b));
}

Result<Bytes> req_b64url(const BodyJson& j, std::string_view key) {
  auto b = opt_b64url(j, key);
  if (!b) return std::unexpected(b.error());
  if (!*b) return std::unexpected(bad_parameter(prop(key) + " is required."));
  return std::move(**b);
}

Result<std::optional<SecureString>> opt_secret(const BodyJson& j, std::string_view key) {
  const BodyJson* f = field(j, key);
  if (!f) return std::optional<SecureString>{};
  if (!f->is_string()) return std::unexpected(bad_parameter(prop(key) + " must be a string."));
  return std::optional<SecureString>(f->get_ref<const SecureString&>());
}

Result<SecureString> req_secret(const BodyJson& j, std::string_view key) {
  auto s = opt_secret(j, key);
  if (!s) return std::unexpected(s.error());
  if (!*s) return std::unexpected(bad_parameter(prop(key) + " is required."));
  return std::move(**s);
}

Result<SecureBytes> req_b64url_secret(const BodyJson& j, std::string_view key) {
  CV_UNWRAP(text, req_secret(j, key));
  auto b = base64url_decode_lenient_padding(text.view());
  if (!b)
    return std::unexpected(
        bad_parameter("Content of '" + std::string(key) + "' is not base64url."));
  SecureBytes out(b->begin(), b->end());
  b->resize(b->capacity());  // the decoder's plain buffer, spare capacity included
  secure_wipe(b->data(), b->size());
  return out;
}

}  // namespace cv::server
