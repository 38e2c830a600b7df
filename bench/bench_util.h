// Small helpers shared by the benchmarks.
#pragma once

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

namespace lakehouse::bench {

// The q-quantile (0..1) of v, nearest rank.
inline double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(rank, v.size() - 1)];
}

inline double Median(std::vector<double> v) { return Percentile(std::move(v), 0.5); }

// A /proc/<pid>/status field in KiB: "VmRSS" (now) or "VmHWM" (peak).
inline long StatusKb(int pid, const std::string& field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

}  // namespace lakehouse::bench
