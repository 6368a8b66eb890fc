// A JSON type whose strings and containers live in wiped memory, for trees that carry secret values,
// passwords or key material (request bodies, blob payloads, private JWKs): every buffer the parser,
// the tree or the serializer allocates is cleansed when freed, and its strings are SecureStrings, so a
// short value does not sit in an unwiped inline buffer either.
// Limit: nlohmann's lexer keeps a raw copy of the current token in a std::vector<char> with the default
// allocator (for error messages); that block is freed unwiped (docs/threat-model.md).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <vector>

#include "coldvault/bytes.hpp"

namespace cv {

using SecureJson = nlohmann::basic_json<std::map, std::vector, SecureString, bool, std::int64_t,
                                        std::uint64_t, double, WipingAllocator>;

}  // namespace cv
