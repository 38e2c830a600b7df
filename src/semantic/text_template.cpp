#include "semantic/text_template.h"

#include <algorithm>

namespace lakehouse {

Result<TextTemplate> TextTemplate::Parse(std::string_view text) {
  TextTemplate out;
  std::string literal;
  auto bad = [&](const std::string& what) {
    return Status::InvalidArgument("text_template: " + what, "bad_template");
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if ((c == '{' || c == '}') && i + 1 < text.size() && text[i + 1] == c) {
      literal += c;
      ++i;
      continue;
    }
    if (c == '}') return bad("a '}' at offset " + std::to_string(i) + " closes nothing (write '}}' for a brace)");
    if (c != '{') {
      literal += c;
      continue;
    }
    size_t close = text.find('}', i + 1);
    if (close == std::string_view::npos) return bad("the '{' at offset " + std::to_string(i) + " is never closed");
    std::string name(text.substr(i + 1, close - i - 1));
    if (name.empty() || name.find('{') != std::string::npos) return bad("empty or nested placeholder at offset " + std::to_string(i));
    if (!literal.empty()) out.pieces_.push_back({std::move(literal), -1});
    literal.clear();
    auto it = std::find(out.columns_.begin(), out.columns_.end(), name);
    int index = static_cast<int>(it - out.columns_.begin());
    if (it == out.columns_.end()) out.columns_.push_back(name);
    out.pieces_.push_back({"", index});
    i = close;
  }
  if (!literal.empty()) out.pieces_.push_back({std::move(literal), -1});
  if (out.columns_.empty()) return bad("it names no column; use {column} placeholders");
  return out;
}

std::string TextTemplate::Render(const std::vector<const std::optional<std::string>*>& values) const {
  std::string out;
  for (const auto& piece : pieces_) {
    if (piece.column < 0) {
      out += piece.literal;
    } else if (const auto* value = values[static_cast<size_t>(piece.column)]; value && *value) {
      out += **value;
    }
  }
  return out;
}

}  // namespace lakehouse
