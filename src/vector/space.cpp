#include "vector/space.h"

#include <immintrin.h>

#include <cstring>

namespace lakehouse {
namespace {

// Sum over i of a_i * b_i (kL2 = false) or (a_i - b_i)^2 (kL2 = true), fp16 inputs.
template <bool kL2>
float HalfKernel(const uint16_t* a, const uint16_t* b, size_t n) {
  size_t i = 0;
  float sum = 0;
#if defined(__AVX512F__)
  __m512 acc = _mm512_setzero_ps();
  for (; i + 16 <= n; i += 16) {
    __m512 va = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + i)));
    __m512 vb = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + i)));
    if constexpr (kL2) {
      va = _mm512_sub_ps(va, vb);
      vb = va;
    }
    acc = _mm512_fmadd_ps(va, vb, acc);
  }
  sum = _mm512_reduce_add_ps(acc);
#elif defined(__AVX2__) && defined(__F16C__) && defined(__FMA__)
  __m256 acc = _mm256_setzero_ps();
  for (; i + 8 <= n; i += 8) {
    __m256 va = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a + i)));
    __m256 vb = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + i)));
    if constexpr (kL2) {
      va = _mm256_sub_ps(va, vb);
      vb = va;
    }
    acc = _mm256_fmadd_ps(va, vb, acc);
  }
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, acc);
  for (float lane : lanes) sum += lane;
#endif
  for (; i < n; ++i) {
    const float x = HalfToFloat(a[i]), y = HalfToFloat(b[i]);
    sum += kL2 ? (x - y) * (x - y) : x * y;
  }
  return sum;
}

float HalfInnerProductDistance(const void* a, const void* b, const void* param) {
  size_t n = *static_cast<const size_t*>(param);
  return 1.0f - HalfKernel<false>(static_cast<const uint16_t*>(a), static_cast<const uint16_t*>(b), n);
}

float HalfL2Distance(const void* a, const void* b, const void* param) {
  size_t n = *static_cast<const size_t*>(param);
  return HalfKernel<true>(static_cast<const uint16_t*>(a), static_cast<const uint16_t*>(b), n);
}

}  // namespace

#if defined(__F16C__)
uint16_t FloatToHalf(float value) { return _cvtss_sh(value, _MM_FROUND_TO_NEAREST_INT); }
float HalfToFloat(uint16_t value) { return _cvtsh_ss(value); }
#else
// IEEE 754 binary16, round to nearest even; used only where F16C is missing.
uint16_t FloatToHalf(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  uint32_t sign = (bits >> 16) & 0x8000;
  int32_t exponent = static_cast<int32_t>((bits >> 23) & 0xFF) - 127 + 15;
  uint32_t mantissa = bits & 0x7FFFFF;
  if (((bits >> 23) & 0xFF) == 0xFF) return static_cast<uint16_t>(sign | 0x7C00 | (mantissa ? 0x200 : 0));
  if (exponent >= 31) return static_cast<uint16_t>(sign | 0x7C00);
  if (exponent <= 0) {
    if (exponent < -10) return static_cast<uint16_t>(sign);
    mantissa |= 0x800000;
    uint32_t shift = static_cast<uint32_t>(14 - exponent);
    uint32_t half = mantissa >> shift;
    uint32_t rest = mantissa & ((1u << shift) - 1);
    uint32_t midpoint = 1u << (shift - 1);
    if (rest > midpoint || (rest == midpoint && (half & 1))) ++half;
    return static_cast<uint16_t>(sign | half);
  }
  uint32_t half = sign | (static_cast<uint32_t>(exponent) << 10) | (mantissa >> 13);
  uint32_t rest = mantissa & 0x1FFF;
  if (rest > 0x1000 || (rest == 0x1000 && (half & 1))) ++half;
  return static_cast<uint16_t>(half);
}

float HalfToFloat(uint16_t value) {
  uint32_t sign = static_cast<uint32_t>(value & 0x8000) << 16;
  uint32_t exponent = (value >> 10) & 0x1F;
  uint32_t mantissa = value & 0x3FF;
  uint32_t bits;
  if (exponent == 0) {
    if (mantissa == 0) {
      bits = sign;
    } else {
      exponent = 127 - 15 + 1;
      while (!(mantissa & 0x400)) {
        mantissa <<= 1;
        --exponent;
      }
      bits = sign | (exponent << 23) | ((mantissa & 0x3FF) << 13);
    }
  } else if (exponent == 31) {
    bits = sign | 0x7F800000 | (mantissa << 13);
  } else {
    bits = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
  }
  float out;
  std::memcpy(&out, &bits, 4);
  return out;
}
#endif

std::string_view MetricName(Metric metric) {
  switch (metric) {
    case Metric::kCosine: return "cosine";
    case Metric::kL2: return "l2";
    case Metric::kInnerProduct: return "ip";
  }
  return "cosine";
}

Result<Metric> ParseMetric(std::string_view name) {
  if (name == "cosine") return Metric::kCosine;
  if (name == "l2") return Metric::kL2;
  if (name == "ip") return Metric::kInnerProduct;
  return Status::InvalidArgument("metric must be \"cosine\", \"l2\" or \"ip\", not \"" + std::string(name) + "\"",
                                 "bad_request");
}

std::string_view StorageName(VectorStorage storage) {
  return storage == VectorStorage::kFloat16 ? "fp16" : "float32";
}

Result<VectorStorage> ParseStorage(std::string_view name) {
  if (name == "float32" || name == "fp32") return VectorStorage::kFloat32;
  if (name == "fp16" || name == "float16") return VectorStorage::kFloat16;
  return Status::InvalidArgument("storage must be \"float32\" or \"fp16\", not \"" + std::string(name) + "\"",
                                 "bad_request");
}

VectorSpace::VectorSpace(Metric metric, VectorStorage storage, size_t dimension)
    : metric_(metric), storage_(storage), dimension_(dimension) {
  if (storage == VectorStorage::kFloat32) {
    if (metric == Metric::kL2) float_space_ = std::make_unique<hnswlib::L2Space>(dimension);
    else float_space_ = std::make_unique<hnswlib::InnerProductSpace>(dimension);
    data_size_ = float_space_->get_data_size();
    distance_ = float_space_->get_dist_func();
    distance_param_ = float_space_->get_dist_func_param();
  } else {
    data_size_ = dimension * sizeof(uint16_t);
    distance_ = metric == Metric::kL2 ? HalfL2Distance : HalfInnerProductDistance;
    distance_param_ = &dimension_;
  }
}

VectorSpace::~VectorSpace() = default;

void VectorSpace::Encode(const float* v, char* out) const {
  if (storage_ == VectorStorage::kFloat32) {
    std::memcpy(out, v, data_size_);
    return;
  }
  for (size_t i = 0; i < dimension_; ++i) {
    uint16_t h = FloatToHalf(v[i]);
    std::memcpy(out + i * 2, &h, 2);
  }
}

void VectorSpace::Decode(const char* in, float* out) const {
  if (storage_ == VectorStorage::kFloat32) {
    std::memcpy(out, in, data_size_);
    return;
  }
  for (size_t i = 0; i < dimension_; ++i) {
    uint16_t h;
    std::memcpy(&h, in + i * 2, 2);
    out[i] = HalfToFloat(h);
  }
}

}  // namespace lakehouse
