#include "core/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <mutex>

namespace lakehouse::log {
namespace {

std::shared_ptr<spdlog::logger> Logger() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto l = spdlog::stderr_logger_mt("lakehouse");
    // The message is the rest of a JSON object; the pattern supplies its head.
    l->set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l",%v})", spdlog::pattern_time_type::utc);
    l->set_level(spdlog::level::info);
    l->flush_on(spdlog::level::debug);
    return l;
  }();
  return logger;
}

void Write(spdlog::level::level_enum level, std::string_view event, const nlohmann::json& fields) {
  auto logger = Logger();
  if (!logger->should_log(level)) return;
  std::string body = "\"event\":" + nlohmann::json(event).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (fields.is_object()) {
    for (const auto& [key, value] : fields.items()) {
      body += ',';
      body += nlohmann::json(key).dump();
      body += ':';
      body += value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
  }
  logger->log(level, "{}", body);
}

}  // namespace

void Init(std::string_view level) {
  auto logger = Logger();
  if (level == "debug") logger->set_level(spdlog::level::debug);
  else if (level == "warn") logger->set_level(spdlog::level::warn);
  else if (level == "error") logger->set_level(spdlog::level::err);
  else logger->set_level(spdlog::level::info);
}

void Debug(std::string_view event, const nlohmann::json& fields) { Write(spdlog::level::debug, event, fields); }
void Info(std::string_view event, const nlohmann::json& fields) { Write(spdlog::level::info, event, fields); }
void Warn(std::string_view event, const nlohmann::json& fields) { Write(spdlog::level::warn, event, fields); }
void Error(std::string_view event, const nlohmann::json& fields) { Write(spdlog::level::err, event, fields); }

}  // namespace lakehouse::log
