// Background jobs (long dataset indexing): started with an id, polled for
// progress, joined at shutdown.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "core/status.h"

namespace lakehouse {

// Progress counters a job's work updates as it goes.
struct JobProgress {
  std::atomic<uint64_t> rows_total{0};
  std::atomic<uint64_t> rows_done{0};
  std::atomic<bool> cancel{false};  // set at shutdown; work should stop soon after
};

class JobRegistry {
 public:
  using Work = std::function<Result<nlohmann::json>(JobProgress&)>;
  ~JobRegistry();  // cancels and joins running jobs
  // Starts work on its own thread; returns the job id.
  std::string Start(std::string kind, Work work);
  // {"id","kind","state":"running"|"done"|"failed","rows_done","rows_total","rows_per_s","elapsed_s","result"|"error"}
  Result<nlohmann::json> Describe(const std::string& id) const;

 private:
  struct Job {
    std::string id, kind;
    JobProgress progress;
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    mutable std::mutex mutex;  // the fields below
    std::string state = "running";
    double elapsed_s = 0;
    nlohmann::json result;
    Status error;
    std::thread thread;
  };
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Job>> jobs_;
};

}  // namespace lakehouse
