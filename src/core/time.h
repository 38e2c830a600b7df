#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace lakehouse {

int64_t NowUnixMillis();
// RFC 3339 in UTC with milliseconds: "2026-11-21T23:40:00.123Z".
std::string FormatRfc3339Millis(int64_t unix_millis);
// Reads "2026-11-21T23:40:00.123Z" (milliseconds optional) back; 0 when unreadable.
int64_t ParseRfc3339Millis(std::string_view text);

// Time elapsed on the steady clock since start (durations of phases, requests).
inline double MillisSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}
inline double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace lakehouse
