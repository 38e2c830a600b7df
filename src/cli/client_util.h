// What the client commands share: error printing, the progress line, and
// JSON calls to the server.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "core/status.h"

namespace lakehouse::cli {

// Prints the error as "error: message (code)" and returns the exit code 1.
int Fail(const Status& status);

// Redraws one progress line on stderr when it is a terminal.
class ProgressLine {
 public:
  explicit ProgressLine(std::string label);
  void Update(uint64_t done, uint64_t total, const char* unit_name, double unit);
  void Finish(const std::string& note);

 private:
  std::string label_;
  bool tty_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_{};
};

// Sends request to the server (GET when it is null, else a JSON POST); the
// body of a 200/202 answer, or the failure with the server's error message.
Result<std::string> CallServer(const std::string& server, const std::string& path, const nlohmann::json& request,
                               int timeout_s);
Result<nlohmann::json> ParseAnswer(const std::string& answer);

}  // namespace lakehouse::cli
