#include "cli/client_util.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "http/client.h"

namespace lakehouse::cli {

int Fail(const Status& status) {
  std::cerr << "error: " << status.message() << " (" << status.error_code() << ")\n";
  return 1;
}

ProgressLine::ProgressLine(std::string label) : label_(std::move(label)), tty_(isatty(STDERR_FILENO)) {}

void ProgressLine::Update(uint64_t done, uint64_t total, const char* unit_name, double unit) {
  if (!tty_) return;
  auto now = std::chrono::steady_clock::now();
  if (done < total && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  double seconds = std::chrono::duration<double>(now - start_).count();
  double pct = total ? 100.0 * static_cast<double>(done) / static_cast<double>(total) : 100.0;
  int filled = static_cast<int>(pct / 5);
  fprintf(stderr, "\r%s [%-20s] %5.1f%%  %.1f/%.1f %s  %.1f %s/s ", label_.c_str(),
          std::string(static_cast<size_t>(filled), '#').c_str(), pct, done / unit, total / unit, unit_name,
          seconds > 0 ? done / unit / seconds : 0.0, unit_name);
  fflush(stderr);
}

void ProgressLine::Finish(const std::string& note) {
  if (tty_) fprintf(stderr, "\r\033[K");
  if (!note.empty()) fprintf(stderr, "%s\n", note.c_str());
}

Result<std::string> CallServer(const std::string& server, const std::string& path, const nlohmann::json& request,
                               int timeout_s) {
  LH_ASSIGN_OR_RETURN(http::ServerUrl url, http::ParseServerUrl(server));
  auto client = http::MakeClient(url, timeout_s);
  auto result = request.is_null() ? client->Get(url.base_path + path)
                                  : client->Post(url.base_path + path, request.dump(), "application/json");
  if (!result) return http::StatusFromTransportError(result.error(), url);
  if (result->status != 200 && result->status != 202) return http::StatusFromResponse(result->status, result->body);
  return std::move(result->body);
}

Result<nlohmann::json> ParseAnswer(const std::string& answer) {
  auto body = nlohmann::json::parse(answer, nullptr, false);
  if (body.is_discarded()) return Status::BadGateway("the server answered with invalid JSON");
  return body;
}

}  // namespace lakehouse::cli
