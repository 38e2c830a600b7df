// A non-blocking admission limit: at most `capacity` holders at once; a
// caller that cannot enter is told so at once (the HTTP edge answers 503).
#pragma once

#include <atomic>
#include <optional>

namespace lakehouse {

class ConcurrencyLimiter {
 public:
  explicit ConcurrencyLimiter(int capacity) : capacity_(capacity) {}

  class Slot {
   public:
    explicit Slot(std::atomic<int>* in_use) : in_use_(in_use) {}
    Slot(Slot&& other) noexcept : in_use_(other.in_use_) { other.in_use_ = nullptr; }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    Slot& operator=(Slot&&) = delete;
    ~Slot() {
      if (in_use_) in_use_->fetch_sub(1);
    }

   private:
    std::atomic<int>* in_use_;
  };

  std::optional<Slot> TryEnter() {
    int current = in_use_.load();
    while (current < capacity_) {
      if (in_use_.compare_exchange_weak(current, current + 1)) return Slot(&in_use_);
    }
    return std::nullopt;
  }
  int in_use() const { return in_use_.load(); }
  int capacity() const { return capacity_; }

 private:
  const int capacity_;
  std::atomic<int> in_use_{0};
};

}  // namespace lakehouse
