// An LRU cache of embeddings keyed by (provider, model, text) in front of any
// Embedder, so repeated texts (the same query typed twice) are not embedded
// again. Thread-safe; misses of one call are embedded in a single inner call.
#pragma once

#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "embed/embedder.h"

namespace lakehouse {

struct CacheStats {
  size_t entries = 0;
  size_t capacity = 0;
  uint64_t hits = 0;
  uint64_t misses = 0;
};

class CachingEmbedder final : public Embedder {
 public:
  // capacity 0 disables caching (every text goes to the inner embedder).
  CachingEmbedder(std::unique_ptr<Embedder> inner, size_t capacity)
      : inner_(std::move(inner)), capacity_(capacity) {}
  std::string_view provider() const override { return inner_->provider(); }
  const std::string& default_model() const override { return inner_->default_model(); }
  Result<Embeddings> Embed(const std::vector<std::string>& texts, const std::string& model) override;
  CacheStats Stats() const;
  // The provider itself, for bulk work whose texts are not worth caching
  // (indexing a whole dataset would only evict the queries).
  Embedder& uncached() { return *inner_; }

 private:
  using Entry = std::pair<std::string, std::vector<float>>;  // key, vector
  std::string Key(const std::string& model, const std::string& text) const;

  std::unique_ptr<Embedder> inner_;
  size_t capacity_;
  mutable std::mutex mutex_;
  std::list<Entry> lru_;  // most recent first
  std::unordered_map<std::string_view, std::list<Entry>::iterator> index_;  // views into lru_ keys
  uint64_t hits_ = 0, misses_ = 0;
};

}  // namespace lakehouse
