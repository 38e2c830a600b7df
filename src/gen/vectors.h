// Synthetic embeddings shaped like real ones: points scattered around a set
// of random cluster centres (uniformly random high-dimensional vectors make
// recall meaningless). Deterministic for a seed. Used by tests and benchmarks.
#pragma once

#include <cstdint>
#include <vector>

namespace lakehouse {

struct ClusteredVectorsSpec {
  uint64_t count = 1000;
  uint32_t dimension = 32;
  uint32_t clusters = 50;
  float spread = 0.35f;  // noise norm relative to a (unit) centre
  uint64_t seed = 7;
};

// count x dimension floats, row-major. Points i and i + clusters share a centre.
std::vector<float> ClusteredVectors(const ClusteredVectorsSpec& spec);

}  // namespace lakehouse
