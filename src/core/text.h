// Small text helpers shared across modules.
#pragma once

#include <cctype>
#include <string_view>

namespace lakehouse {

// text without leading and trailing ASCII whitespace.
inline std::string_view TrimWhitespace(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

}  // namespace lakehouse
