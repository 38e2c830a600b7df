// Structured logging: one JSON object per line on stderr,
// {"ts":"...","level":"info","event":"...", ...fields}.
// Thread-safe. Never pass secrets in fields.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

namespace lakehouse::log {

// level: "debug", "info", "warn", "error". Unknown levels are rejected by config validation.
void Init(std::string_view level);

void Debug(std::string_view event, const nlohmann::json& fields = nlohmann::json::object());
void Info(std::string_view event, const nlohmann::json& fields = nlohmann::json::object());
void Warn(std::string_view event, const nlohmann::json& fields = nlohmann::json::object());
void Error(std::string_view event, const nlohmann::json& fields = nlohmann::json::object());

}  // namespace lakehouse::log
