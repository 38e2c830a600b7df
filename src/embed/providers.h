// Builds the configured Embedder (with its cache) from lakehouse.toml's [embed].
#pragma once

#include <memory>

#include "core/config.h"
#include "embed/caching_embedder.h"

namespace lakehouse {

// Reads the API key (file or environment variable) for the openai provider;
// a missing key is allowed (local OpenAI-compatible servers often need none).
Result<std::unique_ptr<CachingEmbedder>> MakeEmbedder(const EmbedConfig& config);
// Split mode: an embedder that asks the embedd at embedd_url (which runs the
// provider configured in [embed]); cached here too.
Result<std::unique_ptr<CachingEmbedder>> MakeRemoteEmbedder(const EmbedConfig& config, const std::string& embedd_url);

}  // namespace lakehouse
