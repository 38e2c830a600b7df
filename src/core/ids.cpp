#include "core/ids.h"

#include <openssl/evp.h>

#include <array>

#include "core/hash.h"

namespace lakehouse {

std::string UuidV5(std::string_view namespace_uuid, std::string_view name) {
  std::array<unsigned char, 16> ns{};
  size_t n = 0;
  for (size_t i = 0; i + 1 < namespace_uuid.size() && n < ns.size(); ++i) {
    if (namespace_uuid[i] == '-') continue;
    auto nibble = [](char c) -> unsigned char {
      if (c >= '0' && c <= '9') return static_cast<unsigned char>(c - '0');
      if (c >= 'a' && c <= 'f') return static_cast<unsigned char>(c - 'a' + 10);
      if (c >= 'A' && c <= 'F') return static_cast<unsigned char>(c - 'A' + 10);
      return 0;
    };
    ns[n++] = static_cast<unsigned char>(nibble(namespace_uuid[i]) << 4 | nibble(namespace_uuid[i + 1]));
    ++i;
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha1(), nullptr);
  EVP_DigestUpdate(ctx, ns.data(), ns.size());
  EVP_DigestUpdate(ctx, name.data(), name.size());
  EVP_DigestFinal_ex(ctx, digest, &digest_size);
  EVP_MD_CTX_free(ctx);
  digest[6] = static_cast<unsigned char>((digest[6] & 0x0f) | 0x50);
  digest[8] = static_cast<unsigned char>((digest[8] & 0x3f) | 0x80);
  std::string hex = HexEncode(digest, 16);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20, 12);
}

Status ValidateName(std::string_view name, std::string_view what) {
  const std::string kind(what);
  if (name.empty()) return Status::InvalidArgument(kind + " is empty", "invalid_name");
  if (name.size() > 128) return Status::InvalidArgument(kind + " is longer than 128 bytes", "invalid_name");
  auto is_letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!is_letter(name[0])) return Status::InvalidArgument(kind + " must start with a letter or '_'", "invalid_name");
  for (char c : name) {
    if (!is_letter(c) && !(c >= '0' && c <= '9')) {
      return Status::InvalidArgument(kind + " may hold only letters, digits and '_'", "invalid_name");
    }
  }
  return Status::Ok();
}

}  // namespace lakehouse
