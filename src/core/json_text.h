// Appending JSON text directly, for large responses built without a DOM.
#pragma once

#include <string>
#include <string_view>

namespace lakehouse {

// Appends s as a quoted JSON string. Invalid UTF-8 bytes become U+FFFD.
void AppendJsonString(std::string& out, std::string_view s);

// True when s is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool IsValidUtf8(std::string_view s);

}  // namespace lakehouse
