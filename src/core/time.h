#pragma once

#include <cstdint>
#include <string>

namespace lakehouse {

int64_t NowUnixMillis();
// RFC 3339 in UTC with milliseconds: "2026-11-21T23:40:00.123Z".
std::string FormatRfc3339Millis(int64_t unix_millis);

}  // namespace lakehouse
