// lakehouse.toml: every key, its default and its validation. Unknown keys and
// bad values are errors naming the key (see lakehouse.toml at the repo root).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/status.h"

namespace lakehouse {

struct ServerConfig {
  std::string listen = "127.0.0.1:3110";
  int threads = 32;  // HTTP worker threads; each open connection holds one
  int keep_alive_timeout_s = 5;
  int read_timeout_s = 60;
  int write_timeout_s = 60;
  int shutdown_grace_s = 30;  // in-flight requests get this long after SIGTERM
};

struct S3Config {
  std::string endpoint = "";        // "http://127.0.0.1:9000" (MinIO), "https://s3.eu-west-1.amazonaws.com"
  std::string region = "us-east-1";
  std::string bucket = "";
  bool path_style = true;           // http://host/bucket/key; false = http://bucket.host/key (AWS)
  std::string credentials_file = "";  // aws_access_key_id / aws_secret_access_key lines; "" = AWS_* env vars
  uint64_t part_size = 64ull << 20;   // multipart upload above this
  bool create_bucket = false;         // create the bucket at start-up if missing (development)
};

struct StorageConfig {
  std::string backend = "local";  // local | s3
  std::string data_dir = "./data";
  uint64_t max_put_bytes = 16ull << 30;  // per storage PUT request (vector snapshots in split mode pass here)
  int max_concurrent_puts = 4;          // beyond: 503 + Retry-After
  uint64_t cache_max_bytes = 10ull << 30;  // local copies of remote objects for DuckDB (s3 and split mode)
  S3Config s3;
};

// Split mode: where each role listens and is reached (`serve --role <role>`).
struct SplitConfig {
  std::string storaged = "http://127.0.0.1:3211";
  std::string catalogd = "http://127.0.0.1:3212";
  std::string ingestd = "http://127.0.0.1:3213";
  std::string queryd = "http://127.0.0.1:3214";
  std::string vectord = "http://127.0.0.1:3215";
  std::string embedd = "http://127.0.0.1:3216";
  int upstream_timeout_s = 300;  // gateway: an upstream that sends nothing for this long is a 504
};

struct IngestConfig {
  uint64_t max_upload_bytes = 16ull << 30;
  int max_concurrent = 2;
  std::string compression = "snappy";  // snappy | zstd | uncompressed
  int threads = 0;                     // DuckDB threads per ingest; 0 = all cores
  std::string memory_limit = "";       // DuckDB memory_limit per ingest; "" = DuckDB's default
};

struct QueryConfig {
  int connections = 4;  // concurrent queries
  int timeout_ms = 30000;
  uint64_t max_rows = 100000;  // rows returned per query; more sets "truncated"
  int threads = 0;             // DuckDB threads; 0 = all cores
  std::string memory_limit = "4GB";
  int queue_timeout_ms = 5000;  // wait for a free connection before 503
};

struct VectorConfig {
  int insert_threads = 0;                    // threads per add batch; 0 = all cores
  int save_interval_s = 300;                 // save indexes with unsaved changes this often; 0 = only on request/shutdown
  uint64_t max_batch_bytes = 256ull << 20;   // one add request's body
};

struct EmbedConfig {
  std::string provider = "builtin";  // builtin | ollama | openai
  std::string model = "";            // "" = the provider's default
  int dimension = 384;               // builtin only
  std::string url = "";              // "" = http://127.0.0.1:11434 (ollama) or https://api.openai.com/v1 (openai)
  std::string api_key_env = "OPENAI_API_KEY";  // openai: the key is read from this variable...
  std::string api_key_file = "";               // ...or from this file (wins when set)
  int batch_size = 64;          // texts per upstream request
  int parallel_requests = 2;    // upstream requests at once
  int timeout_ms = 30000;       // per upstream request
  int max_retries = 3;          // for 429, 5xx, timeouts, refused connections
  int cache_entries = 10000;    // LRU cache of (provider, model, text); 0 = off
  int max_texts = 2048;         // per /v1/embed request
  int max_text_bytes = 16384;   // per text
};

struct LogConfig {
  std::string level = "info";
};

struct Config {
  ServerConfig server;
  StorageConfig storage;
  IngestConfig ingest;
  QueryConfig query;
  VectorConfig vector;
  EmbedConfig embed;
  SplitConfig split;
  LogConfig log;
};

// Reads path (must exist) or returns the defaults when path is empty.
Result<Config> LoadConfig(const std::string& path);
Result<Config> ParseConfig(std::string_view toml_text, std::string_view source_name);

// "host:port" with port 0..65535.
Status ParseListenAddress(std::string_view listen, std::string* host, int* port);

// "123", "64KiB", "1.5GB", "512MiB" → bytes.
Result<uint64_t> ParseByteSize(std::string_view text);

}  // namespace lakehouse
