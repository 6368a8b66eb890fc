// Seed files as REST requests (seed.hpp).
#include "server/seed.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>

#include "coldvault/secure_json.hpp"
#include "server/app.hpp"

namespace cv::server {
namespace {

Result<SecureString> read_all(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(Errc::BadParameter, "cannot read the seed file " + path);
  SecureString out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) {
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > (64u << 20)) {
      ::close(fd);
      return fail(Errc::BadParameter, "the seed file " + path + " is larger than 64 MiB");
    }
  }
  ::close(fd);
  return out;
}

bool valid_name(const SecureString& n) {
  if (n.empty() || n.size() > 127) return false;
  for (char c : n)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
  return true;
}

// A certificate entry without "policy" or "value": Key Vault's default policy (a self-signed RSA
// 2048 certificate, CN=<name>), which is what the SDKs' DefaultCertificatePolicy asks for.
SecureJson default_policy(const std::string& name) {
  SecureJson p;
  p["issuer"]["name"] = "Self";
  p["x509_props"]["subject"] = SecureString("CN=" + name);
  p["key_props"]["kty"] = "RSA";
  p["key_props"]["key_size"] = 2048;
  return p;
}

}  // namespace

Result<std::vector<SeedRequest>> load_seed_file(const std::string& path) {
  auto text = read_all(path);
  if (!text) return std::unexpected(text.error());
  SecureJson doc = SecureJson::parse(text->begin(), text->end(), nullptr, false);
  auto bad = [&path](const std::string& where, const std::string& why) {
    return fail(Errc::BadParameter, "seed file " + path + ": " + where + ": " + why);
  };
  if (doc.is_discarded()) return bad("the file", "not valid JSON");
  if (!doc.is_object())
    return bad("the file",
               "must be an object {\"secrets\":[...],\"keys\":[...],\"certificates\":[...]}");
  for (const auto& [k, v] : doc.items())
    if (k != "secrets" && k != "keys" && k != "certificates")
      return bad("'" + std::string(k) + "'", "unknown section (secrets, keys, certificates)");
  std::vector<SeedRequest> out;
  for (const char* section : {"secrets", "keys", "certificates"}) {
    if (!doc.contains(section)) continue;
    const auto& list = doc[section];
    if (!list.is_array()) return bad(section, "must be an array of entries");
    for (std::size_t i = 0; i < list.size(); ++i) {
      std::string where = std::string(section) + "[" + std::to_string(i) + "]";
      SecureJson e = list[i];
      if (!e.is_object()) return bad(where, "must be an object");
      if (!e.contains("name") || !e["name"].is_string() ||
          !valid_name(e["name"].get_ref<const SecureString&>()))
        return bad(where, "needs \"name\": 1-127 letters, digits and dashes");
      std::string name(e["name"].get_ref<const SecureString&>());
      where += " '" + name + "'";
      SeedRequest r{where, "", "", "", {}};
      if (e.contains("vault")) {
        if (!e["vault"].is_string()) return bad(where, "\"vault\" must be a vault name");
        r.vault = std::string(e["vault"].get_ref<const SecureString&>());
        e.erase("vault");
      }
      e.erase("name");
      if (std::string(section) == "secrets") {
        if (!e.contains("value") || !e["value"].is_string())
          return bad(where, "needs \"value\" (a string)");
        r.method = "PUT";
        r.path = "/secrets/" + name;
      } else if (std::string(section) == "keys") {
        bool import = e.contains("key");
        if (!import && !e.contains("kty"))
          return bad(where, "needs \"kty\" (create) or \"key\" (a JWK to import)");
        r.method = import ? "PUT" : "POST";
        r.path = "/keys/" + name + (import ? "" : "/create");
      } else {
        bool import = e.contains("value");
        if (!import && !e.contains("policy")) e["policy"] = default_policy(name);
        r.method = "POST";
        r.path = "/certificates/" + name + (import ? "/import" : "/create");
      }
      SecureString body = e.dump();
      r.body = std::move(body);
      out.push_back(std::move(r));
    }
  }
  return out;
}

Result<void> run_seed(App& app, const std::vector<SeedRequest>& seed,
                      const vault::SessionTokens& tokens, int port) {
  SecureString bearer("Bearer ");
  bearer += tokens.mint(std::nullopt);
  for (const auto& s : seed) {
    Request req;
    req.method = s.method;
    req.target = s.path + "?api-version=7.5";
    // <vault>.vault.localhost reaches any vault; the default vault answers at 127.0.0.1.
    req.host = (s.vault.empty() ? std::string("127.0.0.1") : s.vault + ".vault.localhost") + ":" +
               std::to_string(port);
    req.authorization = bearer;
    req.body = s.body;
    req.peer = "seed";
    Response r = app.handle(req);
    if (r.status < 400 && s.path.starts_with("/certificates/") && s.path.ends_with("/create")) {
      // Certificate create answers inProgress and completes on its first poll, as Key Vault's does.
      req.method = "GET";
      req.target = s.path.substr(0, s.path.size() - 7) + "/pending?api-version=7.5";
      req.body.clear();
      r = app.handle(req);
    }
    if (r.status >= 400) {
      auto j = nlohmann::json::parse(r.body, nullptr, false);
      std::string msg = j.is_object() && j.contains("error") && j["error"].is_object()
                            ? j["error"].value("message", r.body)
                            : r.body;
      return fail(Errc::BadParameter, "seed entry " + s.label + " was refused (" +
                                          std::to_string(r.status) + "): " + msg +
                                          "; the server did not start");
    }
  }
  return {};
}

}  // namespace cv::server
