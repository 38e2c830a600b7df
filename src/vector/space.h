// Encodes vectors in an index's storage format and gives hnswlib the matching
// distance function. Only the vector module's sources include this (and so
// hnswlib's headers).
#pragma once

#include <cstddef>
#include <memory>

#include "hnswlib/hnswlib.h"
#include "vector/metric.h"

namespace lakehouse {

class VectorSpace final : public hnswlib::SpaceInterface<float> {
 public:
  VectorSpace(Metric metric, VectorStorage storage, size_t dimension);
  ~VectorSpace() override;

  size_t get_data_size() override { return data_size_; }
  hnswlib::DISTFUNC<float> get_dist_func() override { return distance_; }
  void* get_dist_func_param() override { return distance_param_; }

  size_t dimension() const { return dimension_; }
  size_t data_size() const { return data_size_; }
  // Writes v's stored form (data_size() bytes) to out. Under cosine, v must
  // already be unit-normalised.
  void Encode(const float* v, char* out) const;
  // Reads a stored vector back as float32 (dimension() values).
  void Decode(const char* in, float* out) const;

 private:
  Metric metric_;
  VectorStorage storage_;
  size_t dimension_;
  size_t data_size_;
  std::unique_ptr<hnswlib::SpaceInterface<float>> float_space_;  // float32 storage: hnswlib's own SIMD kernels
  hnswlib::DISTFUNC<float> distance_ = nullptr;
  void* distance_param_ = nullptr;
};

}  // namespace lakehouse
