// BoundedQueue: a hand-off between one producing and one consuming thread
// with back-pressure. Push blocks while the queued items' cost reaches the
// capacity; Pop blocks while the queue is empty.
// Finish: no more items; Pop drains what is queued, then reports the end.
// Close: the transfer is abandoned; both sides wake and give up at once.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>

namespace lakehouse {

template <typename T>
class BoundedQueue {
 public:
  using Cost = std::function<size_t(const T&)>;
  explicit BoundedQueue(size_t capacity, Cost cost = [](const T&) { return size_t{1}; })
      : capacity_(capacity), cost_(std::move(cost)) {}

  // False when the queue was closed (the consumer gave up).
  bool Push(T item) {
    std::unique_lock<std::mutex> lock(mutex_);
    space_.wait(lock, [&] { return closed_ || queued_cost_ < capacity_; });
    if (closed_) return false;
    queued_cost_ += cost_(item);
    items_.push_back(std::move(item));
    ready_.notify_one();
    return true;
  }
  // The next item; nullopt at the end of the data or once closed.
  std::optional<T> Pop() {
    std::unique_lock<std::mutex> lock(mutex_);
    ready_.wait(lock, [&] { return closed_ || finished_ || !items_.empty(); });
    if (closed_ || items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    queued_cost_ -= cost_(item);
    space_.notify_one();
    return item;
  }
  void Finish() {
    std::lock_guard<std::mutex> lock(mutex_);
    finished_ = true;
    ready_.notify_all();
  }
  void Close() {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    items_.clear();
    queued_cost_ = 0;
    ready_.notify_all();
    space_.notify_all();
  }

 private:
  const size_t capacity_;
  const Cost cost_;
  std::mutex mutex_;
  std::condition_variable ready_, space_;
  std::deque<T> items_;
  size_t queued_cost_ = 0;
  bool finished_ = false;
  bool closed_ = false;
};

}  // namespace lakehouse
