// The built-in embedder: a deterministic hashed bag of n-grams.
//
// Features of a text (lower-cased; words are runs of letters and digits):
//   - word unigrams                         weight 1.0
//   - word bigrams                          weight 0.7
//   - character 3-, 4- and 5-grams of each word, with '<' '>' marking its
//     start and end                          weight 0.35 (shared across a word's n-grams)
// Each feature's count c becomes 1 + ln(c) (sublinear), is hashed (64-bit
// FNV-1a, fixed across machines) to one of `dimension` buckets with a sign
// taken from the hash (so collisions cancel rather than pile up), and the
// result is scaled to unit length.
//
// What it captures: shared words and word pieces (lexical overlap and
// morphology: "weld", "welder", "welding" land close; "CNC operator" is
// near "CNC machinist"). What it does not: meaning without shared letters
// ("nurse" vs "caregiver", synonyms, paraphrase, other languages). For that,
// configure the ollama or openai provider with a real embedding model.
#pragma once

#include "embed/embedder.h"

namespace lakehouse {

inline constexpr std::string_view kBuiltinModel = "builtin-ngram-v1";

class BuiltinEmbedder final : public Embedder {
 public:
  explicit BuiltinEmbedder(uint32_t dimension);
  std::string_view provider() const override { return "builtin"; }
  const std::string& default_model() const override { return model_; }
  Result<Embeddings> Embed(const std::vector<std::string>& texts, const std::string& model) override;

  // One text's unit vector (all zeros when the text has no letters or digits).
  void EmbedOne(std::string_view text, float* out) const;
  uint32_t dimension() const { return dimension_; }

 private:
  uint32_t dimension_;
  std::string model_;
};

}  // namespace lakehouse
