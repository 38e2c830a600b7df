#include "core/time.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace lakehouse {

int64_t NowUnixMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string FormatRfc3339Millis(int64_t unix_millis) {
  time_t seconds = static_cast<time_t>(unix_millis / 1000);
  int millis = static_cast<int>(unix_millis % 1000);
  if (millis < 0) {
    millis += 1000;
    seconds -= 1;
  }
  struct tm tm_utc;
  gmtime_r(&seconds, &tm_utc);
  char buf[64];
  snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm_utc.tm_year + 1900, tm_utc.tm_mon + 1,
           tm_utc.tm_mday, tm_utc.tm_hour, tm_utc.tm_min, tm_utc.tm_sec, millis);
  return buf;
}

int64_t ParseRfc3339Millis(std::string_view text) {
  struct tm tm_utc = {};
  int millis = 0;
  if (std::sscanf(std::string(text).c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &tm_utc.tm_year, &tm_utc.tm_mon,
                  &tm_utc.tm_mday, &tm_utc.tm_hour, &tm_utc.tm_min, &tm_utc.tm_sec, &millis) < 6) {
    return 0;
  }
  tm_utc.tm_year -= 1900;
  tm_utc.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&tm_utc)) * 1000 + millis;
}

}  // namespace lakehouse
