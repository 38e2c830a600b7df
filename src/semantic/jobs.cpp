#include "semantic/jobs.h"

#include <cstdio>
#include <random>

#include "core/log.h"
#include "core/time.h"

namespace lakehouse {

JobRegistry::~JobRegistry() {
  std::map<std::string, std::shared_ptr<Job>> jobs;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    jobs = jobs_;
  }
  for (auto& [id, job] : jobs) job->progress.cancel = true;
  for (auto& [id, job] : jobs) {
    if (job->thread.joinable()) job->thread.join();
  }
}

std::string JobRegistry::Start(std::string kind, Work work) {
  auto job = std::make_shared<Job>();
  job->kind = std::move(kind);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // Sequence for readability, random suffix so ids are not guessable across restarts.
    char suffix[9];
    snprintf(suffix, sizeof suffix, "%08x", static_cast<unsigned>(std::random_device{}()));
    job->id = "job-" + std::to_string(jobs_.size() + 1) + "-" + suffix;
    jobs_[job->id] = job;
  }
  std::lock_guard<std::mutex> job_lock(job->mutex);
  job->thread = std::thread([job, work = std::move(work)] {
    Result<nlohmann::json> result = Status::Internal("the job did not run");
    try {
      result = work(job->progress);
    } catch (const std::exception& e) {
      result = Status::Internal(std::string("unexpected error: ") + e.what());
    }
    std::lock_guard<std::mutex> lock(job->mutex);
    job->elapsed_s = SecondsSince(job->started);
    if (result.ok()) {
      job->state = "done";
      job->result = std::move(*result);
    } else {
      job->state = "failed";
      job->error = result.status();
    }
    log::Info("job_finished", {{"job", job->id}, {"kind", job->kind}, {"state", job->state},
                               {"elapsed_s", job->elapsed_s}});
  });
  return job->id;
}

Result<nlohmann::json> JobRegistry::Describe(const std::string& id) const {
  std::shared_ptr<Job> job;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = jobs_.find(id);
    if (it == jobs_.end()) return Status::NotFound("no job \"" + id + "\"", "job_not_found");
    job = it->second;
  }
  std::lock_guard<std::mutex> lock(job->mutex);
  const double elapsed = job->state == "running"
                             ? SecondsSince(job->started)
                             : job->elapsed_s;
  const uint64_t done = job->progress.rows_done;
  nlohmann::json out = {{"id", job->id},
                        {"kind", job->kind},
                        {"state", job->state},
                        {"rows_done", done},
                        {"rows_total", job->progress.rows_total.load()},
                        {"rows_per_s", elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0},
                        {"elapsed_s", elapsed}};
  if (job->state == "done") out["result"] = job->result;
  if (job->state == "failed") {
    out["error"] = {{"code", job->error.error_code()}, {"message", job->error.message()}};
  }
  return out;
}

}  // namespace lakehouse
