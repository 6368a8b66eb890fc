// KeyCache: LRU list + index. See key_cache.hpp.
#include "vault/key_cache.hpp"

#include "vault/labels.hpp"

namespace cv::vault {

KeyCache::KeyCache(KeyCache&& o) noexcept
    : token_(o.token_), capacity_(o.capacity_), lru_(std::move(o.lru_)), index_(std::move(o.index_)) {
  o.token_ = nullptr;
  o.lru_.clear();
  o.index_.clear();
}

KeyCache& KeyCache::operator=(KeyCache&& o) noexcept {
  if (this != &o) {
    clear();
    token_ = o.token_;
    capacity_ = o.capacity_;
    lru_ = std::move(o.lru_);
    index_ = std::move(o.index_);
    o.token_ = nullptr;
    o.lru_.clear();
    o.index_.clear();
  }
  return *this;
}

KeyCache::~KeyCache() { clear(); }

std::optional<hsm::Handle> KeyCache::find(const std::string& key) {
  auto it = index_.find(key);
  if (it == index_.end()) return std::nullopt;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->second;
}

void KeyCache::drop(std::list<Entry>::iterator it) {
  // A failed destroy leaves a session object that vanishes with the session anyway; nothing to report.
  if (token_) (void)token_->destroy(it->second);
  index_.erase(it->first);
  lru_.erase(it);
}

void KeyCache::put(hsm::Token& token, const std::string& key, hsm::Handle h) {
  token_ = &token;
  if (auto it = index_.find(key); it != index_.end()) drop(it->second);
  lru_.emplace_front(key, h);
  index_[key] = lru_.begin();
  while (index_.size() > capacity_) drop(std::prev(lru_.end()));
}

void KeyCache::evict_prefix(const std::string& prefix) {
  for (auto it = lru_.begin(); it != lru_.end();) {
    auto next = std::next(it);
    if (it->first.starts_with(prefix)) drop(it);
    it = next;
  }
}

void KeyCache::clear() {
  while (!lru_.empty()) drop(lru_.begin());
}

std::string key_cache_prefix(const std::string& vault, const std::string& name) {
  return lower(vault) + "|" + lower(name) + "|";
}

std::string key_cache_key(const std::string& vault, const std::string& name, const std::string& version) {
  return key_cache_prefix(vault, name) + lower(version);
}

}  // namespace cv::vault
