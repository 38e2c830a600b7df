#include "core/config.h"

#include <toml++/toml.h>

#include <cmath>
#include <functional>
#include <map>
#include <sstream>

#include "core/files.h"

namespace lakehouse {
namespace {

Status KeyError(std::string_view key, std::string_view what) {
  return Status::InvalidArgument("config key " + std::string(key) + ": " + std::string(what), "bad_config");
}

using Setter = std::function<Status(const toml::node&, std::string_view key)>;

Setter IntIn(int* out, int64_t min, int64_t max) {
  return [=](const toml::node& node, std::string_view key) -> Status {
    auto v = node.value<int64_t>();
    if (!node.is_integer() || !v) return KeyError(key, "must be an integer");
    if (*v < min || *v > max) {
      return KeyError(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    }
    *out = static_cast<int>(*v);
    return Status::Ok();
  };
}

Setter Bytes(uint64_t* out, uint64_t min) {
  return [=](const toml::node& node, std::string_view key) -> Status {
    uint64_t value = 0;
    if (node.is_integer()) {
      int64_t v = *node.value<int64_t>();
      if (v < 0) return KeyError(key, "must not be negative");
      value = static_cast<uint64_t>(v);
    } else if (node.is_string()) {
      auto parsed = ParseByteSize(*node.value<std::string>());
      if (!parsed.ok()) return KeyError(key, parsed.status().message());
      value = *parsed;
    } else {
      return KeyError(key, "must be a byte count (integer) or a size string like \"512MiB\"");
    }
    if (value < min) return KeyError(key, "must be at least " + std::to_string(min));
    *out = value;
    return Status::Ok();
  };
}

Setter Bool(bool* out) {
  return [=](const toml::node& node, std::string_view key) -> Status {
    if (!node.is_boolean()) return KeyError(key, "must be true or false");
    *out = *node.value<bool>();
    return Status::Ok();
  };
}

Setter StringOneOf(std::string* out, std::vector<std::string> allowed) {
  return [=](const toml::node& node, std::string_view key) -> Status {
    if (!node.is_string()) return KeyError(key, "must be a string");
    std::string v = *node.value<std::string>();
    if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), v) == allowed.end()) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      return KeyError(key, "must be one of: " + list);
    }
    *out = v;
    return Status::Ok();
  };
}

Setter String(std::string* out, std::function<Status(const std::string&)> check = nullptr) {
  return [=](const toml::node& node, std::string_view key) -> Status {
    if (!node.is_string()) return KeyError(key, "must be a string");
    std::string v = *node.value<std::string>();
    if (check) {
      Status st = check(v);
      if (!st.ok()) return KeyError(key, st.message());
    }
    *out = v;
    return Status::Ok();
  };
}

Status CheckListen(const std::string& v) {
  std::string host;
  int port = 0;
  return ParseListenAddress(v, &host, &port);
}

Status CheckNotEmpty(const std::string& v) {
  return v.empty() ? Status::InvalidArgument("must not be empty") : Status::Ok();
}

Status CheckHttpUrl(const std::string& v) {
  if (v.empty() || v.starts_with("http://") || v.starts_with("https://")) return Status::Ok();
  return Status::InvalidArgument("must start with http:// or https://");
}

Status CheckServiceUrl(const std::string& v) {
  if (!v.starts_with("http://")) return Status::InvalidArgument("must be an http:// URL");
  return Status::Ok();
}

Status CheckMemoryLimit(const std::string& v) {
  if (v.empty()) return Status::Ok();
  auto parsed = ParseByteSize(v);
  return parsed.ok() ? Status::Ok() : parsed.status();
}

}  // namespace

Status ParseListenAddress(std::string_view listen, std::string* host, int* port) {
  size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return Status::InvalidArgument("must be host:port");
  std::string port_text(listen.substr(colon + 1));
  if (port_text.empty() || port_text.size() > 5 || port_text.find_first_not_of("0123456789") != std::string::npos) {
    return Status::InvalidArgument("port must be a number 0..65535");
  }
  int p = std::stoi(port_text);
  if (p > 65535) return Status::InvalidArgument("port must be a number 0..65535");
  *host = std::string(listen.substr(0, colon));
  if (host->size() > 2 && host->front() == '[' && host->back() == ']') *host = host->substr(1, host->size() - 2);
  *port = p;
  return Status::Ok();
}

Result<uint64_t> ParseByteSize(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  if (i == 0) return Status::InvalidArgument("\"" + std::string(text) + "\" is not a size like 512MiB");
  double number = 0;
  try {
    number = std::stod(std::string(text.substr(0, i)));
  } catch (...) {
    return Status::InvalidArgument("\"" + std::string(text) + "\" is not a size like 512MiB");
  }
  std::string unit(text.substr(i));
  while (!unit.empty() && unit.front() == ' ') unit.erase(unit.begin());
  for (auto& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static const std::map<std::string, double> kUnits = {
      {"", 1},          {"b", 1},          {"kb", 1e3},         {"mb", 1e6},         {"gb", 1e9},
      {"tb", 1e12},     {"kib", 1024.0},   {"mib", 1048576.0},  {"gib", 1073741824.0}, {"tib", 1099511627776.0}};
  auto it = kUnits.find(unit);
  if (it == kUnits.end()) return Status::InvalidArgument("unknown size unit \"" + unit + "\"");
  double bytes = number * it->second;
  if (!std::isfinite(bytes) || bytes > 1.8e19) return Status::InvalidArgument("size is too large");
  return static_cast<uint64_t>(bytes);
}

Result<Config> ParseConfig(std::string_view toml_text, std::string_view source_name) {
  Config config;
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << std::string(source_name) << ":" << e.source().begin.line << ":" << e.source().begin.column << ": "
        << e.description();
    return Status::InvalidArgument(msg.str(), "bad_config");
  }

  std::map<std::string, std::map<std::string, Setter>> schema = {
      {"server",
       {{"listen", String(&config.server.listen, CheckListen)},
        {"threads", IntIn(&config.server.threads, 2, 4096)},
        {"keep_alive_timeout_s", IntIn(&config.server.keep_alive_timeout_s, 1, 3600)},
        {"read_timeout_s", IntIn(&config.server.read_timeout_s, 1, 86400)},
        {"write_timeout_s", IntIn(&config.server.write_timeout_s, 1, 86400)},
        {"shutdown_grace_s", IntIn(&config.server.shutdown_grace_s, 0, 3600)}}},
      {"storage",
       {{"backend", StringOneOf(&config.storage.backend, {"local", "s3"})},
        {"data_dir", String(&config.storage.data_dir, CheckNotEmpty)},
        {"max_put_bytes", Bytes(&config.storage.max_put_bytes, 1)},
        {"max_concurrent_puts", IntIn(&config.storage.max_concurrent_puts, 1, 1024)},
        {"cache_max_bytes", Bytes(&config.storage.cache_max_bytes, 1 << 20)}}},
      {"storage.s3",
       {{"endpoint", String(&config.storage.s3.endpoint, CheckHttpUrl)},
        {"region", String(&config.storage.s3.region, CheckNotEmpty)},
        {"bucket", String(&config.storage.s3.bucket)},
        {"path_style", Bool(&config.storage.s3.path_style)},
        {"credentials_file", String(&config.storage.s3.credentials_file)},
        {"part_size", Bytes(&config.storage.s3.part_size, 5 << 20)},
        {"create_bucket", Bool(&config.storage.s3.create_bucket)}}},
      {"split",
       {{"storaged", String(&config.split.storaged, CheckServiceUrl)},
        {"catalogd", String(&config.split.catalogd, CheckServiceUrl)},
        {"ingestd", String(&config.split.ingestd, CheckServiceUrl)},
        {"queryd", String(&config.split.queryd, CheckServiceUrl)},
        {"vectord", String(&config.split.vectord, CheckServiceUrl)},
        {"embedd", String(&config.split.embedd, CheckServiceUrl)},
        {"upstream_timeout_s", IntIn(&config.split.upstream_timeout_s, 1, 86400)}}},
      {"ingest",
       {{"max_upload_bytes", Bytes(&config.ingest.max_upload_bytes, 1)},
        {"max_concurrent", IntIn(&config.ingest.max_concurrent, 1, 64)},
        {"compression", StringOneOf(&config.ingest.compression, {"snappy", "zstd", "uncompressed"})},
        {"threads", IntIn(&config.ingest.threads, 0, 1024)},
        {"memory_limit", String(&config.ingest.memory_limit, CheckMemoryLimit)}}},
      {"query",
       {{"connections", IntIn(&config.query.connections, 1, 256)},
        {"timeout_ms", IntIn(&config.query.timeout_ms, 1, 86400000)},
        {"max_rows", Bytes(&config.query.max_rows, 1)},
        {"threads", IntIn(&config.query.threads, 0, 1024)},
        {"memory_limit", String(&config.query.memory_limit, CheckMemoryLimit)},
        {"queue_timeout_ms", IntIn(&config.query.queue_timeout_ms, 0, 3600000)}}},
      {"vector",
       {{"insert_threads", IntIn(&config.vector.insert_threads, 0, 1024)},
        {"save_interval_s", IntIn(&config.vector.save_interval_s, 0, 86400 * 7)},
        {"max_batch_bytes", Bytes(&config.vector.max_batch_bytes, 1024)}}},
      {"embed",
       {{"provider", StringOneOf(&config.embed.provider, {"builtin", "ollama", "openai"})},
        {"model", String(&config.embed.model)},
        {"dimension", IntIn(&config.embed.dimension, 8, 4096)},
        {"url", String(&config.embed.url, CheckHttpUrl)},
        {"api_key_env", String(&config.embed.api_key_env)},
        {"api_key_file", String(&config.embed.api_key_file)},
        {"batch_size", IntIn(&config.embed.batch_size, 1, 4096)},
        {"parallel_requests", IntIn(&config.embed.parallel_requests, 1, 64)},
        {"timeout_ms", IntIn(&config.embed.timeout_ms, 100, 600000)},
        {"max_retries", IntIn(&config.embed.max_retries, 0, 10)},
        {"cache_entries", IntIn(&config.embed.cache_entries, 0, 10000000)},
        {"max_texts", IntIn(&config.embed.max_texts, 1, 100000)},
        {"max_text_bytes", IntIn(&config.embed.max_text_bytes, 16, 1 << 24)}}},
      {"log", {{"level", StringOneOf(&config.log.level, {"debug", "info", "warn", "error"})}}},
  };

  // Sections nest ("storage.s3" is the table s3 inside storage).
  std::function<Status(const std::string&, const toml::table&)> apply = [&](const std::string& section,
                                                                           const toml::table& table) -> Status {
    auto schema_it = schema.find(section);
    if (schema_it == schema.end()) return KeyError(section, "unknown section");
    for (const auto& [key_name, node] : table) {
      std::string key = section + "." + std::string(key_name.str());
      auto setter = schema_it->second.find(std::string(key_name.str()));
      if (setter == schema_it->second.end()) {
        if (node.is_table() && schema.count(key)) {
          LH_RETURN_IF_ERROR(apply(key, *node.as_table()));
          continue;
        }
        return KeyError(key, "unknown key");
      }
      LH_RETURN_IF_ERROR(setter->second(node, key));
    }
    return Status::Ok();
  };
  for (const auto& [section_key, section_node] : root) {
    std::string section(section_key.str());
    if (!schema.count(section) || section.find('.') != std::string::npos) return KeyError(section, "unknown section");
    const toml::table* table = section_node.as_table();
    if (!table) return KeyError(section, "must be a table");
    LH_RETURN_IF_ERROR(apply(section, *table));
  }
  return config;
}

Result<Config> LoadConfig(const std::string& path) {
  if (path.empty()) return Config{};
  auto text = ReadFileToString(path);
  if (!text.ok()) return Status::InvalidArgument("cannot read config file: " + text.status().message(), "bad_config");
  return ParseConfig(*text, path);
}

}  // namespace lakehouse
