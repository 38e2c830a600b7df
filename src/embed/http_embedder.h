// Embedding providers reached over HTTP:
//   ollama  POST <url>/api/embed   {"model", "input": [texts]} -> {"embeddings": [[...]]}
//   openai  POST <url>/embeddings  {"model", "input": [texts]} -> {"data": [{"index", "embedding"}]}
//           (OpenAI, vLLM, TEI, llama.cpp server; url includes the /v1)
//   lakehouse POST <url>/embed {"model", "texts": [texts]} -> {"vectors": [[...]]}
//           (an embedd of split mode)
// Texts go in batches of batch_size, up to parallel_requests at once. 429,
// 5xx, timeouts and refused connections are retried with exponential backoff
// (or the server's Retry-After); what still fails is a 502 carrying the
// upstream's message with the API key removed.
#pragma once

#include "embed/embedder.h"

namespace lakehouse {

struct HttpEmbedderOptions {
  std::string provider = "ollama";  // "ollama" | "openai" | "lakehouse"
  std::string url;                  // base URL, no trailing slash
  std::string model;                // the default model
  std::string api_key;              // openai: sent as a Bearer token; never logged or echoed
  size_t batch_size = 64;
  int parallel_requests = 2;
  int timeout_ms = 30000;
  int max_retries = 3;
  int backoff_ms = 200;             // first retry delay; doubles each time
};

class HttpEmbedder final : public Embedder {
 public:
  explicit HttpEmbedder(HttpEmbedderOptions options);
  std::string_view provider() const override { return options_.provider; }
  const std::string& default_model() const override { return options_.model; }
  Result<Embeddings> Embed(const std::vector<std::string>& texts, const std::string& model) override;

 private:
  Result<std::vector<std::vector<float>>> EmbedBatch(const std::vector<std::string>& texts, size_t first,
                                                     size_t count, const std::string& model) const;
  Result<std::vector<std::vector<float>>> ParseReply(const std::string& body, size_t expected) const;
  std::string Redact(std::string text) const;

  HttpEmbedderOptions options_;
  std::string endpoint_;
};

}  // namespace lakehouse
