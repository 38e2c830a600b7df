#include "embed/builtin_embedder.h"

#include <cmath>
#include <cstring>
#include <unordered_map>

namespace lakehouse {
namespace {

constexpr float kUnigramWeight = 1.0f;
constexpr float kBigramWeight = 0.7f;
constexpr float kCharGramWeight = 0.35f;

constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ull;
constexpr uint64_t kFnvPrime = 0x100000001b3ull;

uint64_t Fnv1a(std::string_view bytes, uint64_t seed = kFnvOffset) {
  uint64_t h = seed;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= kFnvPrime;
  }
  return h;
}

// Finaliser so that nearby FNV values spread over every bucket.
uint64_t Mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

// Lower-cased words: ASCII letters and digits, and any non-ASCII byte
// (UTF-8 letters stay inside words). Everything else separates.
std::vector<std::string> Words(std::string_view text) {
  std::vector<std::string> words;
  std::string current;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c >= 0x80) {
      current.push_back(static_cast<char>(std::tolower(c)));
    } else if (!current.empty()) {
      words.push_back(std::move(current));
      current.clear();
    }
  }
  if (!current.empty()) words.push_back(std::move(current));
  return words;
}

}  // namespace

BuiltinEmbedder::BuiltinEmbedder(uint32_t dimension) : dimension_(dimension), model_(kBuiltinModel) {}

void BuiltinEmbedder::EmbedOne(std::string_view text, float* out) const {
  std::fill(out, out + dimension_, 0.0f);
  // feature hash -> (count, weight); the kind is folded into the hash seed.
  std::unordered_map<uint64_t, std::pair<float, float>> features;
  const std::vector<std::string> words = Words(text);
  features.reserve(words.size() * 12);
  auto add = [&](uint64_t hash, float weight) {
    auto& f = features[hash];
    f.first += 1;
    f.second = weight;
  };
  std::string marked;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    add(Fnv1a(word, Fnv1a("w")), kUnigramWeight);
    if (i + 1 < words.size()) add(Fnv1a(words[i + 1], Fnv1a(word, Fnv1a("b")) ^ 0x20), kBigramWeight);
    marked = "<" + word + ">";
    size_t grams = 0;
    for (size_t n = 3; n <= 5; ++n) grams += marked.size() >= n ? marked.size() - n + 1 : 0;
    if (grams == 0) continue;
    // A word contributes the same total n-gram weight however long it is.
    const float weight = kCharGramWeight * 3.0f / std::sqrt(static_cast<float>(grams));
    for (size_t n = 3; n <= 5; ++n) {
      for (size_t start = 0; start + n <= marked.size(); ++start) {
        add(Fnv1a(std::string_view(marked).substr(start, n), Fnv1a("c")), weight);
      }
    }
  }
  for (const auto& [hash, f] : features) {
    const uint64_t mixed = Mix(hash);
    const float value = (1.0f + std::log(f.first)) * f.second;
    out[mixed % dimension_] += (mixed >> 63) ? -value : value;
  }
  double norm = 0;
  for (uint32_t i = 0; i < dimension_; ++i) norm += static_cast<double>(out[i]) * out[i];
  if (norm > 0) {
    const float scale = static_cast<float>(1.0 / std::sqrt(norm));
    for (uint32_t i = 0; i < dimension_; ++i) out[i] *= scale;
  }
}

Result<Embeddings> BuiltinEmbedder::Embed(const std::vector<std::string>& texts, const std::string& model) {
  if (!model.empty() && model != model_) {
    return Status::InvalidArgument("model \"" + model + "\" is not available: the builtin provider has only \"" +
                                       model_ + "\"",
                                   "unknown_model");
  }
  Embeddings out;
  out.model = model_;
  out.dimension = dimension_;
  out.vectors.resize(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    out.vectors[i].resize(dimension_);
    EmbedOne(texts[i], out.vectors[i].data());
  }
  return out;
}

}  // namespace lakehouse
