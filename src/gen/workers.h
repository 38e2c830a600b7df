// A realistic staffing "workers" table, deterministic for a seed: coherent
// role / skills / certification combinations, Midwest-heavy cities, quoted
// lists with commas, multi-line resume text. Used by tests, benchmarks and
// `lakehouse gen workers`.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "core/status.h"

namespace lakehouse {

struct WorkersSpec {
  uint64_t rows = 1000;
  uint64_t seed = 42;
  uint64_t first_id = 1;  // worker_id of the first row (appendable batches)
};

// The 18 columns, in order.
inline constexpr const char* kWorkerColumns[] = {
    "worker_id", "first_name", "last_name", "role", "city", "state", "zip", "phone", "email",
    "skills", "certifications", "years_experience", "hourly_rate", "reliability", "availability",
    "languages", "last_active", "resume_text"};

// progress(rows_written) is called every 10,000 rows.
Status WriteWorkersCsv(const WorkersSpec& spec, const std::filesystem::path& out,
                       const std::function<void(uint64_t)>& progress = nullptr);
// The same rows as a string (small sizes, tests).
std::string WorkersCsv(const WorkersSpec& spec);

}  // namespace lakehouse
