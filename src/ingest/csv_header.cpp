#include "ingest/csv_header.h"

#include <fcntl.h>
#include <unistd.h>

#include <set>

#include "core/files.h"

namespace lakehouse {
namespace {

Status Bad(std::string message) { return Status::InvalidArgument(std::move(message), "bad_csv"); }

bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >= 0xC2 && c <= 0xDF) ? 2 : (c >= 0xE0 && c <= 0xEF) ? 3 : (c >= 0xF0 && c <= 0xF4) ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

}  // namespace

Result<CsvHeader> ParseCsvHeader(std::string_view head, bool at_end_of_file) {
  CsvHeader header;
  if (head.substr(0, 3) == "\xEF\xBB\xBF") {
    header.has_bom = true;
    head.remove_prefix(3);
  }
  if (head.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return Bad("the file is empty: a CSV needs a header line naming its columns");
  }
  std::vector<std::string> names;
  std::string field;
  bool in_quotes = false, field_was_quoted = false, done = false;
  size_t i = 0;
  for (; i < head.size() && !done; ++i) {
    char c = head[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < head.size() && head[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        field += c;
      }
      continue;
    }
    switch (c) {
      case '"':
        if (!field.empty() || field_was_quoted) return Bad("header line: a quote inside an unquoted column name");
        in_quotes = true;
        field_was_quoted = true;
        break;
      case ',':
        names.push_back(std::move(field));
        field.clear();
        field_was_quoted = false;
        break;
      case '\r':
        if (i + 1 < head.size() && head[i + 1] != '\n') return Bad("header line: a bare carriage return");
        break;
      case '\n':
        done = true;
        break;
      default:
        if (field_was_quoted) return Bad("header line: text after a closing quote");
        field += c;
    }
  }
  if (in_quotes) return Bad("header line: unterminated quote in a column name");
  if (!done && !at_end_of_file) return Bad("header line is too long (over 1 MiB)");
  names.push_back(std::move(field));

  std::set<std::string> seen;
  for (size_t col = 0; col < names.size(); ++col) {
    const std::string& name = names[col];
    if (!ValidUtf8(name)) return Bad("header line: column " + std::to_string(col + 1) + " is not valid UTF-8");
    if (name.find_first_not_of(" \t") == std::string::npos) {
      return Bad("header line: column " + std::to_string(col + 1) + " has an empty name");
    }
    std::string lower;
    for (char ch : name) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
    if (!seen.insert(lower).second) {
      return Bad("header line: duplicate column name \"" + name + "\" (column " + std::to_string(col + 1) +
                 "; names are case-insensitive)");
    }
  }
  header.names = std::move(names);
  return header;
}

Result<CsvHeader> ReadCsvHeader(const std::filesystem::path& path, size_t max_header_bytes) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return Status::FromErrno("open", path.string(), errno);
  std::string head(max_header_bytes + 3, '\0');
  size_t filled = 0;
  while (filled < head.size()) {
    ssize_t n = ::read(fd.get(), head.data() + filled, head.size() - filled);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno("read", path.string(), errno);
    }
    if (n == 0) break;
    filled += static_cast<size_t>(n);
  }
  bool at_end = filled < head.size();
  head.resize(filled);
  return ParseCsvHeader(head, at_end);
}

}  // namespace lakehouse
