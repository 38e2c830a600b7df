// Embedder: text -> vector. Providers: the built-in hashed n-gram model (no
// download, no network), Ollama, and any OpenAI-compatible /embeddings
// server. CachingEmbedder adds an LRU cache in front of any of them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace lakehouse {

struct Embeddings {
  std::string model;
  uint32_t dimension = 0;
  std::vector<std::vector<float>> vectors;  // one per input text, in order
};

class Embedder {
 public:
  virtual ~Embedder() = default;
  // "builtin", "ollama", "openai".
  virtual std::string_view provider() const = 0;
  virtual const std::string& default_model() const = 0;
  // Embeds texts with model ("" = the default). Thread-safe. Upstream
  // failures are BadGateway (502) with the upstream's message, secrets removed.
  virtual Result<Embeddings> Embed(const std::vector<std::string>& texts, const std::string& model) = 0;
};

}  // namespace lakehouse
