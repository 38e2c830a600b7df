#include "gen/vectors.h"

#include <cmath>

namespace lakehouse {
namespace {

uint64_t SplitMix(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Approximately standard normal (Irwin-Hall of four uniforms, rescaled): cheap
// and plenty for shaping test data.
float Gaussian(uint64_t& state) {
  uint64_t bits = SplitMix(state);
  float sum = 0;
  for (int i = 0; i < 4; ++i) sum += static_cast<float>((bits >> (16 * i)) & 0xFFFF) / 65535.0f;
  return (sum - 2.0f) * 1.7320508f;
}

void Normalise(float* v, uint32_t dimension) {
  double norm = 0;
  for (uint32_t i = 0; i < dimension; ++i) norm += static_cast<double>(v[i]) * v[i];
  const float scale = norm > 0 ? static_cast<float>(1.0 / std::sqrt(norm)) : 0.0f;
  for (uint32_t i = 0; i < dimension; ++i) v[i] *= scale;
}

}  // namespace

std::vector<float> ClusteredVectors(const ClusteredVectorsSpec& spec) {
  const uint32_t d = spec.dimension;
  uint64_t state = spec.seed * 0x2545F4914F6CDD1Dull + 1;
  std::vector<float> centres(static_cast<size_t>(spec.clusters) * d);
  for (uint32_t c = 0; c < spec.clusters; ++c) {
    for (uint32_t i = 0; i < d; ++i) centres[static_cast<size_t>(c) * d + i] = Gaussian(state);
    Normalise(&centres[static_cast<size_t>(c) * d], d);
  }
  std::vector<float> out(spec.count * d);
  std::vector<float> noise(d);
  for (uint64_t p = 0; p < spec.count; ++p) {
    const float* centre = &centres[(p % spec.clusters) * d];
    for (uint32_t i = 0; i < d; ++i) noise[i] = Gaussian(state);
    Normalise(noise.data(), d);
    // Vary each point's distance from its centre so neighbourhoods have structure.
    const float scale = spec.spread * (0.5f + static_cast<float>(SplitMix(state) % 1000) / 1000.0f);
    float* point = &out[p * d];
    for (uint32_t i = 0; i < d; ++i) point[i] = centre[i] + scale * noise[i];
  }
  return out;
}

}  // namespace lakehouse
