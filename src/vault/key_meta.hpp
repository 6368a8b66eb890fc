// The public description of a key version, stored as VersionRow.meta_json (private to src/vault).
//
// Format (JSON object, docs/keys.md): {"kty": as the caller gave it ("RSA-HSM" stays "RSA-HSM"),
// "kind": "RSA" | "EC" | "oct", "key_size": bits (RSA, oct), "crv": "P-256" | "P-384" | "P-521" | "P-256K" (EC),
// "key_ops": [...], "n","e" (RSA) or "x","y" (EC) base64url}. Nothing secret is ever in it: the private
// or symmetric material is VersionRow.ciphertext, wrapped under the vault master key.
#pragma once

#include <string>
#include <vector>

#include "coldvault/bytes.hpp"
#include "coldvault/error.hpp"
#include "coldvault/key_parts.hpp"

namespace cv::vault {

enum class KeyKind { Rsa, Ec, Oct };

struct KeyMeta {
  std::string kty;
  KeyKind kind = KeyKind::Rsa;
  unsigned key_size = 0;  // RSA modulus bits, oct key bits; 0 for EC
  Curve crv = Curve::P256;
  std::vector<std::string> ops;
  bool exportable = false;  // "exportable": true only when set (KeySpec::exportable)
  Bytes n, e;  // RSA, minimal big-endian
  Bytes x, y;  // EC, each curve_bytes long

  std::string to_json() const;
  // Corruption for anything that is not a well-formed meta_json (a catalogue row damaged or forged).
  static Result<KeyMeta> parse(const std::string& json);

  bool allows(const std::string& op) const;
  RsaPublic rsa_public() const { return {n, e}; }
  EcPublic ec_public() const;  // params + DER OCTET STRING point, as a token reports them
  std::size_t modulus_bytes() const { return (key_size + 7) / 8; }
};

// "RSA", "EC", "oct".
const char* kind_name(KeyKind k);
// RSA, RSA-HSM, EC, EC-HSM, oct, oct-HSM; BadParameter naming them otherwise.
Result<KeyKind> kind_of_kty(const std::string& kty);
Result<Curve> curve_of_name(const std::string& crv);
// Key Vault's key_ops a kind supports, which are also the defaults of a new key.
std::vector<std::string> supported_ops(KeyKind k);
// BadParameter naming the allowed operations when one is not supported by the kind (or repeated).
Result<void> check_ops(KeyKind k, const std::vector<std::string>& ops);
// x and y of an EC point given as CKA_EC_POINT (DER OCTET STRING) or raw 04||X||Y.
Result<void> split_ec_point(Curve c, ByteView point, Bytes& x, Bytes& y);

}  // namespace cv::vault
