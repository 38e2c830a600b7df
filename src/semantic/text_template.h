// Text templates over a row: "{role} in {city}, {state}." Each {name} is a
// column; "{{" and "}}" stand for literal braces.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace lakehouse {

class TextTemplate {
 public:
  // InvalidArgument for an unclosed or empty placeholder or a stray brace.
  static Result<TextTemplate> Parse(std::string_view text);
  // Column names in order of first use, each once.
  const std::vector<std::string>& columns() const { return columns_; }
  // values[i] is the value of columns()[i]; NULL renders as "".
  std::string Render(const std::vector<const std::optional<std::string>*>& values) const;

 private:
  struct Piece {
    std::string literal;
    int column = -1;  // index into columns_, or -1 for a literal
  };
  std::vector<Piece> pieces_;
  std::vector<std::string> columns_;
};

}  // namespace lakehouse
