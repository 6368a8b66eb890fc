// A bounded LRU of unwrapped key versions: "vault|name|version" (lower case) -> session object handle.
//
// Why: unwrapping a stored key costs a C_UnwrapKey (RSA private keys: PKCS#8 parsing inside the token),
// while an operation on a cached session object costs only the operation; and a cache keyed by our own
// ids never searches the token (C_FindObjects reads every object, pkcs11-facts.md).
//
// Ownership: the cache owns every handle it holds and destroys it when it is evicted (capacity, evict,
// clear) and in its destructor, so it must be destroyed before its Token (Service::Impl declares it after
// the token). A handle returned by find() is valid until the next put/evict/clear on this cache.
// Thread safety: none of its own; it belongs to a Service, which is used from one thread at a time.
#pragma once

#include <cstddef>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "coldvault/hsm.hpp"

namespace cv::vault {

class KeyCache {
 public:
  static constexpr std::size_t kDefaultCapacity = 256;

  KeyCache() : KeyCache(kDefaultCapacity) {}
  explicit KeyCache(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}
  KeyCache(const KeyCache&) = delete;
  KeyCache& operator=(const KeyCache&) = delete;
  KeyCache(KeyCache&& o) noexcept;
  KeyCache& operator=(KeyCache&& o) noexcept;
  ~KeyCache();

  // The handle under key, now most recently used; nullopt if absent.
  std::optional<hsm::Handle> find(const std::string& key);
  // Takes ownership of h under key (replacing and destroying an older handle under the same key) and
  // destroys the least recently used entries beyond capacity. All handles must come from one token.
  void put(hsm::Token& token, const std::string& key, hsm::Handle h);
  // Destroys every entry whose key starts with prefix (key_cache_prefix: one key's versions).
  void evict_prefix(const std::string& prefix);
  void clear();

  std::size_t size() const { return index_.size(); }
  std::size_t capacity() const { return capacity_; }

 private:
  using Entry = std::pair<std::string, hsm::Handle>;
  void drop(std::list<Entry>::iterator it);

  hsm::Token* token_ = nullptr;
  std::size_t capacity_;
  std::list<Entry> lru_;  // most recent first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
};

// "vault|name|" in lower case (names compare case-insensitively), and that plus the version.
std::string key_cache_prefix(const std::string& vault, const std::string& name);
std::string key_cache_key(const std::string& vault, const std::string& name, const std::string& version);

}  // namespace cv::vault
