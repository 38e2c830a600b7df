#include "query/sql_guard.h"

#include <array>
#include <string>

namespace lakehouse {

Status CheckQueryText(std::string_view sql) {
  size_t i = 0;
  while (i < sql.size()) {
    if (std::isspace(static_cast<unsigned char>(sql[i]))) {
      ++i;
    } else if (sql.substr(i, 2) == "--") {
      size_t end = sql.find('\n', i);
      i = end == std::string_view::npos ? sql.size() : end + 1;
    } else if (sql.substr(i, 2) == "/*") {
      size_t end = sql.find("*/", i + 2);
      if (end == std::string_view::npos) return Status::InvalidArgument("unterminated comment", "sql_error");
      i = end + 2;
    } else {
      break;
    }
  }
  if (i == sql.size()) return Status::InvalidArgument("the SQL text is empty", "sql_error");
  if (sql[i] == '(') return Status::Ok();
  std::string word;
  while (i < sql.size() && std::isalpha(static_cast<unsigned char>(sql[i]))) {
    word.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(sql[i++]))));
  }
  static constexpr std::array<std::string_view, 9> kQueryKeywords = {
      "SELECT", "WITH", "FROM", "VALUES", "TABLE", "EXPLAIN", "DESCRIBE", "SHOW", "SUMMARIZE"};
  for (auto keyword : kQueryKeywords) {
    if (word == keyword) return Status::Ok();
  }
  return Status::Forbidden("only read-only queries (SELECT, WITH, EXPLAIN, ...) are allowed; \"" +
                               (word.empty() ? std::string(sql.substr(i, 1)) : word) + "\" is not",
                           "sql_forbidden");
}

}  // namespace lakehouse
