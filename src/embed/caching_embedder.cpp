#include "embed/caching_embedder.h"

namespace lakehouse {

std::string CachingEmbedder::Key(const std::string& model, const std::string& text) const {
  std::string key(inner_->provider());
  key += '\0';
  key += model;
  key += '\0';
  key += text;
  return key;
}

Result<Embeddings> CachingEmbedder::Embed(const std::vector<std::string>& texts, const std::string& model) {
  const std::string resolved = model.empty() ? inner_->default_model() : model;
  Embeddings out;
  out.model = resolved;
  out.vectors.resize(texts.size());
  std::vector<std::string> miss_texts;
  std::vector<std::vector<size_t>> miss_positions;  // per distinct missing text
  {
    std::unordered_map<std::string_view, size_t> pending;
    std::lock_guard<std::mutex> lock(mutex_);
    for (size_t i = 0; i < texts.size(); ++i) {
      const std::string key = Key(resolved, texts[i]);
      auto it = capacity_ > 0 ? index_.find(key) : index_.end();
      if (it != index_.end()) {
        lru_.splice(lru_.begin(), lru_, it->second);
        out.vectors[i] = it->second->second;
        ++hits_;
        continue;
      }
      ++misses_;
      auto [slot, added] = pending.emplace(texts[i], miss_texts.size());
      if (added) {
        miss_texts.push_back(texts[i]);
        miss_positions.emplace_back();
      }
      miss_positions[slot->second].push_back(i);
    }
  }
  if (!miss_texts.empty()) {
    LH_ASSIGN_OR_RETURN(Embeddings fresh, inner_->Embed(miss_texts, resolved));
    out.model = fresh.model;
    std::lock_guard<std::mutex> lock(mutex_);
    for (size_t m = 0; m < miss_texts.size(); ++m) {
      for (size_t position : miss_positions[m]) out.vectors[position] = fresh.vectors[m];
      if (capacity_ == 0) continue;
      std::string key = Key(resolved, miss_texts[m]);
      if (index_.count(key)) continue;
      lru_.emplace_front(std::move(key), std::move(fresh.vectors[m]));
      index_.emplace(lru_.front().first, lru_.begin());
      if (lru_.size() > capacity_) {
        index_.erase(lru_.back().first);
        lru_.pop_back();
      }
    }
  }
  if (!out.vectors.empty()) out.dimension = static_cast<uint32_t>(out.vectors[0].size());
  return out;
}

CacheStats CachingEmbedder::Stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return {lru_.size(), capacity_, hits_, misses_};
}

}  // namespace lakehouse
