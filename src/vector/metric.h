// The vocabulary of vector indexes: metrics and storage formats.
//
// Distances (smaller is closer): cosine = 1 - cos(a, b) (vectors are stored
// unit-normalised), ip = 1 - a.b, l2 = squared Euclidean distance.
// Storage: float32 (exact) or fp16 (half the memory; docs/vectors.md has
// the recall it costs).
#pragma once

#include <cstdint>
#include <string_view>

#include "core/status.h"

namespace lakehouse {

enum class Metric { kCosine, kL2, kInnerProduct };
enum class VectorStorage { kFloat32, kFloat16 };

std::string_view MetricName(Metric metric);
Result<Metric> ParseMetric(std::string_view name);
std::string_view StorageName(VectorStorage storage);
Result<VectorStorage> ParseStorage(std::string_view name);

// IEEE 754 binary16 conversions (round to nearest even).
uint16_t FloatToHalf(float value);
float HalfToFloat(uint16_t value);

}  // namespace lakehouse
