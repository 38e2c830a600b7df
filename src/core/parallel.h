// Splitting a loop across threads, with failures returned as values.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "core/status.h"

namespace lakehouse {

// Number of worker threads for `requested` (0 = one per core), at least 1.
inline int WorkerThreads(int requested) {
  if (requested > 0) return requested;
  return std::max(1u, std::thread::hardware_concurrency());
}

// Calls body(i) for every i in [0, count) on up to `threads` threads; items are
// handed out one at a time so uneven items balance. Stops handing out items
// after the first failure and returns it; an exception thrown by body becomes
// an Internal status (it never crosses the thread boundary).
inline Status ParallelFor(size_t count, int threads, const std::function<Status(size_t)>& body) {
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  Status first_failure;
  std::mutex failure_mutex;
  auto worker = [&] {
    while (!failed.load(std::memory_order_relaxed)) {
      size_t i = next.fetch_add(1);
      if (i >= count) return;
      Status status;
      try {
        status = body(i);
      } catch (const std::exception& e) {
        status = Status::Internal(std::string("unexpected error: ") + e.what());
      }
      if (!status.ok()) {
        std::lock_guard<std::mutex> lock(failure_mutex);
        if (!failed.exchange(true)) first_failure = status;
        return;
      }
    }
  };
  const size_t n_threads = std::min<size_t>(static_cast<size_t>(std::max(threads, 1)), count);
  if (n_threads <= 1) {
    worker();
  } else {
    std::vector<std::thread> pool;
    pool.reserve(n_threads - 1);
    for (size_t t = 1; t < n_threads; ++t) pool.emplace_back(worker);
    worker();
    for (auto& thread : pool) thread.join();
  }
  return first_failure;
}

}  // namespace lakehouse
