// SHA-256 over bytes, streams and files (OpenSSL libcrypto).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace lakehouse {

std::string Sha256Hex(std::string_view data);
Result<std::string> Sha256FileHex(const std::filesystem::path& path);

// Incremental SHA-256. Not thread-safe.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(std::string_view data);
  // Ends the stream; Update must not be called afterwards.
  std::string FinishHex();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

std::string HexEncode(const unsigned char* data, size_t size);

}  // namespace lakehouse
