// Little-endian fixed-size fields in byte strings (file and wire formats; the
// project only builds for little-endian machines).
#pragma once

#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

namespace lakehouse {

template <typename T>
void AppendPod(std::string& out, T value) {
  static_assert(std::is_trivially_copyable_v<T>);
  out.append(reinterpret_cast<const char*>(&value), sizeof(value));
}

// Reads a T at *offset and advances it; false (nothing read) when too few bytes remain.
template <typename T>
bool ReadPod(std::string_view bytes, size_t* offset, T* out) {
  static_assert(std::is_trivially_copyable_v<T>);
  if (bytes.size() - *offset < sizeof(T)) return false;
  std::memcpy(out, bytes.data() + *offset, sizeof(T));
  *offset += sizeof(T);
  return true;
}

}  // namespace lakehouse
