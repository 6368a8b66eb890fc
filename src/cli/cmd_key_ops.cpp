// `coldvault key encrypt|decrypt|wrap|unwrap|sign|verify`: Key Vault's key operations, base64url in and
// out, output shaped like KeyOperationResult {"kid","value"[,"iv","tag","aad"]} / KeyVerifyResult.
#include "cli/az_shape.hpp"
#include "cli/cmd_key.hpp"
#include "coldvault/base64.hpp"
#include "coldvault/keys.hpp"

namespace cv::cli {
namespace {

struct OpArgs {
  std::string vault, name, version, alg, value, iv, aad, tag, digest, signature, data_type = "base64";
};

// az's --data-type of encrypt/decrypt: base64 (default) = --value (encrypt) and the printed plaintext
// (decrypt) are base64; plaintext = they are UTF-8 text.
void add_data_type(CLI::App* c, OpArgs& a, const char* help) {
  c->add_option("--data-type", a.data_type, help)->check(CLI::IsMember({"base64", "plaintext"}));
}

void add_common(CLI::App* c, OpArgs& a) {
  c->add_option("--vault-name", a.vault, "Vault name")->required();
  c->add_option("--name,-n", a.name, "Key name")->required();
  c->add_option("--version,-v", a.version, "Version id (default: latest)");
  add_id_option(c, "keys", a.vault, &a.name, &a.version);
  c->add_option("--algorithm,-a", a.alg, "Algorithm, e.g. RSA-OAEP-256, A256GCM, A256KW, PS256, ES256")->required();
}

Bytes optional_arg(const std::string& option, const std::string& text) {
  return text.empty() ? Bytes{} : b64url_arg(option, text);
}

nlohmann::json result_json(const vault::KeyOpResult& r) {
  nlohmann::json j = {{"kid", r.kid}, {"value", base64url_encode(r.value)}};
  if (!r.iv.empty()) j["iv"] = base64url_encode(r.iv);
  if (!r.tag.empty()) j["tag"] = base64url_encode(r.tag);
  if (!r.aad.empty()) j["aad"] = base64url_encode(r.aad);
  return j;
}

const std::vector<std::string> kColumns = {"kid", "value"};

// The REST KeyOperationResult, or az's shape of it (az_shape.hpp) unless --output-shape rest.
// `plaintext`: decrypt --data-type plaintext, the result printed as the UTF-8 text it is (checked by the caller).
void print_result(const Globals& g, const std::string& op, const std::string& alg, const vault::KeyOpResult& r,
                  bool plaintext = false) {
  auto j = result_json(r);
  if (g.output_shape == "rest") {
    if (plaintext) j["value"] = std::string(r.value.begin(), r.value.end());
    return print(g, j, kColumns);
  }
  auto az = az_key_op_shape(j, op, alg);
  if (plaintext) az["result"] = std::string(r.value.begin(), r.value.end());
  print(g, az);
}

}  // namespace

void add_key_op_commands(CLI::App* key, Globals& g) {
  auto a = std::make_shared<OpArgs>();

  auto* enc = key->add_subcommand("encrypt", "Encrypt a value (RSA-OAEP, RSA-OAEP-256, RSA1_5, A*GCM)");
  add_common(enc, *a);
  enc->add_option("--value", a->value, "Plaintext: base64 (or base64url), or text with --data-type plaintext")
      ->required();
  add_data_type(enc, *a, "base64 (default) or plaintext: how --value is given");
  // Kept so that a GCM caller passing one gets the precise refusal rather than "unknown option".
  enc->add_option("--iv", a->iv, "Not for A*GCM: the token generates the IV and the output carries it");
  enc->add_option("--aad", a->aad, "A*GCM: additional authenticated data, base64url");
  enc->callback([&g, a] {
    Bytes v = a->data_type == "plaintext" ? Bytes(a->value.begin(), a->value.end()) : b64url_arg("value", a->value);
    Bytes iv = optional_arg("iv", a->iv), aad = optional_arg("aad", a->aad);
    auto svc = open_service(g);
    vault::Keys keys(svc, a->vault);
    print_result(g, "encrypt", a->alg, need(keys.encrypt(a->name, a->version, a->alg, v, iv, aad)));
  });

  auto* dec = key->add_subcommand("decrypt", "Decrypt a value inside the token");
  add_common(dec, *a);
  dec->add_option("--value", a->value, "Ciphertext, base64 (or base64url)")->required();
  add_data_type(dec, *a, "base64 (default) or plaintext: print the plaintext as UTF-8 text");
  dec->add_option("--iv", a->iv, "A*GCM: the IV, base64url");
  dec->add_option("--aad", a->aad, "A*GCM: additional authenticated data, base64url");
  dec->add_option("--tag", a->tag, "A*GCM: the 16-byte tag, base64url");
  dec->callback([&g, a] {
    Bytes v = b64url_arg("value", a->value), iv = optional_arg("iv", a->iv), aad = optional_arg("aad", a->aad),
          tag = optional_arg("tag", a->tag);
    auto svc = open_service(g);
    vault::Keys keys(svc, a->vault);
    auto r = need(keys.decrypt(a->name, a->version, a->alg, v, iv, aad, tag));
    if (a->data_type == "plaintext" && !is_utf8(ByteView(r.value.data(), r.value.size())))
      die(Errc::BadParameter, "--data-type plaintext: the plaintext is not UTF-8 text");
    print_result(g, "decrypt", a->alg, r, a->data_type == "plaintext");
  });

  auto* wrap = key->add_subcommand("wrap", "Wrap a key (RSA-OAEP, RSA-OAEP-256, RSA1_5, A*KW)");
  add_common(wrap, *a);
  wrap->add_option("--value", a->value, "The key to wrap, base64url")->required();
  wrap->callback([&g, a] {
    Bytes v = b64url_arg("value", a->value);
    auto svc = open_service(g);
    vault::Keys keys(svc, a->vault);
    print_result(g, "wrap", a->alg, need(keys.wrap(a->name, a->version, a->alg, v)));
  });

  auto* unwrap = key->add_subcommand("unwrap", "Unwrap a key inside the token");
  add_common(unwrap, *a);
  unwrap->add_option("--value", a->value, "The wrapped key, base64url")->required();
  unwrap->callback([&g, a] {
    Bytes v = b64url_arg("value", a->value);
    auto svc = open_service(g);
    vault::Keys keys(svc, a->vault);
    print_result(g, "unwrap", a->alg, need(keys.unwrap(a->name, a->version, a->alg, v)));
  });

  auto* sign = key->add_subcommand("sign", "Sign a digest inside the token (RS*, PS*, ES*)");
  add_common(sign, *a);
  sign->add_option("--value,--digest", a->value, "The digest, base64url")->required();
  sign->callback([&g, a] {
    Bytes v = b64url_arg("value", a->value);
    auto svc = open_service(g);
    vault::Keys keys(svc, a->vault);
    print_result(g, "sign", a->alg, need(keys.sign(a->name, a->version, a->alg, v)));
  });

  auto* verify = key->add_subcommand("verify", "Verify a signature over a digest: {\"value\": true|false}");
  add_common(verify, *a);
  verify->add_option("--digest", a->digest, "The digest, base64url")->required();
  verify->add_option("--signature", a->signature, "The signature, base64url")->required();
  verify->callback([&g, a] {
    Bytes d = b64url_arg("digest", a->digest), s = b64url_arg("signature", a->signature);
    auto svc = open_service(g);
    vault::Keys keys(svc, a->vault);
    bool valid = need(keys.verify(a->name, a->version, a->alg, d, s));
    if (g.output_shape == "rest") return print(g, nlohmann::json{{"value", valid}}, {"value"});
    print(g, nlohmann::json{{"algorithm", a->alg}, {"isValid", valid}});  // az's VerifyResult
  });
}

}  // namespace cv::cli
