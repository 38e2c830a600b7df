#include "embed/providers.h"

#include <cstdlib>

#include "core/files.h"
#include "embed/builtin_embedder.h"
#include "embed/http_embedder.h"

namespace lakehouse {

namespace {

std::string DefaultModel(const EmbedConfig& config) {
  if (!config.model.empty()) return config.model;
  if (config.provider == "builtin") return std::string(kBuiltinModel);
  return config.provider == "ollama" ? "nomic-embed-text" : "text-embedding-3-small";
}

}  // namespace

Result<std::unique_ptr<CachingEmbedder>> MakeRemoteEmbedder(const EmbedConfig& config, const std::string& embedd_url) {
  HttpEmbedderOptions options;
  options.provider = "lakehouse";
  options.url = embedd_url;
  options.model = DefaultModel(config);
  options.batch_size = static_cast<size_t>(std::min(config.max_texts, 512));
  options.parallel_requests = config.parallel_requests;
  options.timeout_ms = config.timeout_ms;
  options.max_retries = config.max_retries;
  return std::make_unique<CachingEmbedder>(std::make_unique<HttpEmbedder>(std::move(options)),
                                           static_cast<size_t>(config.cache_entries));
}

Result<std::unique_ptr<CachingEmbedder>> MakeEmbedder(const EmbedConfig& config) {
  std::unique_ptr<Embedder> inner;
  if (config.provider == "builtin") {
    if (!config.model.empty() && config.model != kBuiltinModel) {
      return Status::InvalidArgument("config key embed.model: the builtin provider has only \"" +
                                         std::string(kBuiltinModel) + "\"",
                                     "bad_config");
    }
    inner = std::make_unique<BuiltinEmbedder>(static_cast<uint32_t>(config.dimension));
  } else {
    HttpEmbedderOptions options;
    options.provider = config.provider;
    const bool ollama = config.provider == "ollama";
    options.url = !config.url.empty() ? config.url : ollama ? "http://127.0.0.1:11434" : "https://api.openai.com/v1";
    options.model = DefaultModel(config);
    options.batch_size = static_cast<size_t>(config.batch_size);
    options.parallel_requests = config.parallel_requests;
    options.timeout_ms = config.timeout_ms;
    options.max_retries = config.max_retries;
    if (!ollama) {
      if (!config.api_key_file.empty()) {
        auto key = ReadFileToString(config.api_key_file);
        if (!key.ok()) {
          return Status::InvalidArgument("config key embed.api_key_file: cannot read the file", "bad_config");
        }
        options.api_key = *key;
        while (!options.api_key.empty() && std::isspace(static_cast<unsigned char>(options.api_key.back()))) {
          options.api_key.pop_back();
        }
      } else if (const char* key = std::getenv(config.api_key_env.c_str()); key && *key) {
        options.api_key = key;
      }
    }
    inner = std::make_unique<HttpEmbedder>(std::move(options));
  }
  return std::make_unique<CachingEmbedder>(std::move(inner), static_cast<size_t>(config.cache_entries));
}

}  // namespace lakehouse
