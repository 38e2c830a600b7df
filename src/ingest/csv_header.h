// The header record of a CSV file, parsed by us rather than by DuckDB's
// sniffer, which silently renames duplicate or empty names and can mistake a
// ragged file's later line for its header.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/status.h"

namespace lakehouse {

struct CsvHeader {
  std::vector<std::string> names;
  bool has_bom = false;
};

// RFC 4180 with ',' and '"' ('""' escapes a quote), CRLF or LF, optional UTF-8
// BOM. InvalidArgument (with a message fit for the uploader) when the file is
// empty, the header has an empty or duplicate (case-insensitive) name, an
// unterminated quote, invalid UTF-8, or is longer than max_header_bytes.
Result<CsvHeader> ReadCsvHeader(const std::filesystem::path& path, size_t max_header_bytes = 1 << 20);
Result<CsvHeader> ParseCsvHeader(std::string_view head, bool at_end_of_file);

}  // namespace lakehouse
