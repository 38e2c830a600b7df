// Shared test helpers: temp directories, a fault-injecting store, and a real
// server process on a free port.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>

#include "core/files.h"
#include "storage/cached_store.h"
#include "storage/local_store.h"
#include "storage/s3_store.h"

namespace lakehouse::testing {

inline TempPath MakeTestDir() {
  auto dir = MakeTempDir(std::filesystem::temp_directory_path(), "lakehouse-test-");
  EXPECT_TRUE(dir.ok());
  return std::move(dir).value();
}

inline void WriteFile(const std::filesystem::path& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
}

inline size_t CountFiles(const std::filesystem::path& dir) {
  size_t n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file()) ++n;
  }
  return n;
}

// A free TCP port on loopback (bound once, then released for the caller).
inline int FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

// LAKEHOUSE_TEST_BACKEND=s3: the storage-backed tests run against s3rver
// (ctest registers each of them a second time, with the suffix ".s3").
inline bool TestOnS3() {
  const char* backend = std::getenv("LAKEHOUSE_TEST_BACKEND");
  return backend && std::string(backend) == "s3";
}

// The s3rver (npm, installed by scripts/bootstrap.sh) the S3 tests talk to:
// the one at LAKEHOUSE_TEST_S3_ENDPOINT when set (scripts/test.sh starts one
// for the whole run), else one started for this process on a free loopback
// port with a temp directory, stopped when the process exits.
class S3rver {
 public:
  static const std::string& Endpoint() {
    static S3rver server;
    return server.endpoint_;
  }
  static constexpr const char* kAccessKey = "S3RVER";  // s3rver's built-in account
  static constexpr const char* kSecretKey = "S3RVER";

 private:
  S3rver() {
    if (const char* shared = std::getenv("LAKEHOUSE_TEST_S3_ENDPOINT"); shared && *shared) {
      endpoint_ = shared;
      return;
    }
    auto dir = MakeTempDir(std::filesystem::temp_directory_path(), "lakehouse-s3rver-");
    if (!dir.ok()) return;
    dir_ = std::move(dir).value();
    const int port = FreeLoopbackPort();
    pid_ = fork();
    if (pid_ == 0) {
      FILE* log = fopen((dir_.path() / "s3rver.log").c_str(), "a");
      if (log) {
        dup2(fileno(log), STDOUT_FILENO);
        dup2(fileno(log), STDERR_FILENO);
      }
      // ListObjectsV2 continuation tokens need OpenSSL's legacy provider on Node 17+.
      setenv("NODE_OPTIONS", "--openssl-legacy-provider", 1);
      const std::string script = std::string(LAKEHOUSE_SOURCE_DIR) + "/tools/s3rver/node_modules/s3rver/bin/s3rver.js";
      const std::string data = (dir_.path() / "data").string(), port_text = std::to_string(port);
      // --service-endpoint: <bucket>.s3.localhost:<port> addresses a bucket virtual-host style.
      execlp("node", "node", script.c_str(), "-d", data.c_str(), "-a", "127.0.0.1", "-p", port_text.c_str(),
             "--service-endpoint", "localhost", "--silent", nullptr);
      _exit(127);
    }
    endpoint_ = "http://127.0.0.1:" + std::to_string(port);
    for (int i = 0; i < 300; ++i) {
      httplib::Client probe("127.0.0.1", port);
      probe.set_connection_timeout(0, 100000);
      if (probe.Get("/")) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "s3rver did not start on " << endpoint_ << " (run scripts/bootstrap.sh)";
  }
  ~S3rver() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  std::string endpoint_;
  TempPath dir_;
  pid_t pid_ = -1;
};

// A bucket name derived from seed (the same seed gives the same bucket, so a
// restarted server finds its data again).
inline std::string BucketFor(const std::string& seed) {
  return "t-" + std::to_string(::getpid()) + "-" + std::to_string(std::hash<std::string>{}(seed) % 1000000007);
}

inline S3Options TestS3Options(const std::string& bucket) {
  S3Options options;
  options.endpoint = S3rver::Endpoint();
  options.bucket = bucket;
  options.access_key_id = S3rver::kAccessKey;
  options.secret_access_key = S3rver::kSecretKey;
  options.part_size = 5u << 20;
  options.max_retries = 1;
  return options;
}

// The store a storage-backed test runs on: a local directory, or (under
// LAKEHOUSE_TEST_BACKEND=s3) a fresh s3rver bucket behind the object cache.
inline std::unique_ptr<ObjectStore> MakeTestStore(const std::filesystem::path& dir,
                                                  uint64_t cache_bytes = 1ull << 30) {
  if (!TestOnS3()) {
    auto local = LocalObjectStore::Open(dir / "objects", dir / "tmp");
    EXPECT_TRUE(local.ok()) << local.status().message();
    return local.ok() ? std::move(local).value() : nullptr;
  }
  auto s3 = S3ObjectStore::Open(TestS3Options(BucketFor(dir.string())), dir / "tmp");
  EXPECT_TRUE(s3.ok()) << s3.status().message();
  if (!s3.ok()) return nullptr;
  Status bucket = (*s3)->EnsureBucket();
  EXPECT_TRUE(bucket.ok()) << bucket.message();
  auto cached = CachedObjectStore::Open(std::move(s3).value(), dir / "cache", cache_bytes);
  EXPECT_TRUE(cached.ok()) << cached.status().message();
  return cached.ok() ? std::move(cached).value() : nullptr;
}

// Wraps a store; fails puts while fail_puts is set (stands in for a full disk
// or an unreachable backend).
class FaultyStore final : public ObjectStore {
 public:
  explicit FaultyStore(ObjectStore& inner) : inner_(inner) {}
  std::atomic<bool> fail_puts{false};

  Status Put(std::string_view key, const BodyWriter& write_body) override {
    if (fail_puts) return Status::Unavailable("injected put failure", "injected");
    return inner_.Put(key, write_body);
  }
  Status PutFile(std::string_view key, const std::filesystem::path& file) override {
    if (fail_puts) return Status::Unavailable("injected put failure", "injected");
    return inner_.PutFile(key, file);
  }
  Status Get(std::string_view key, const ByteSink& sink) override { return inner_.Get(key, sink); }
  Result<ObjectInfo> Head(std::string_view key) override { return inner_.Head(key); }
  Result<ListPage> List(std::string_view prefix, std::string_view after, size_t limit) override {
    return inner_.List(prefix, after, limit);
  }
  Status Delete(std::string_view key) override { return inner_.Delete(key); }
  Result<LocalFile> LocalCopy(std::string_view key) override { return inner_.LocalCopy(key); }
  const std::filesystem::path& local_root() const override { return inner_.local_root(); }

 private:
  ObjectStore& inner_;
};

// `lakehouse serve` as a child process on a free loopback port.
class ServerProcess {
 public:
  // Under LAKEHOUSE_TEST_BACKEND=s3 the server stores into an s3rver bucket
  // named after data_dir (a restart on the same data_dir finds the same bucket).
  explicit ServerProcess(std::filesystem::path data_dir, std::string config_path = "")
      : data_dir_(std::move(data_dir)), config_path_(std::move(config_path)) {
    if (TestOnS3()) config_path_ = WriteS3Config();
  }
  ~ServerProcess() { Stop(); }

  // Split mode: run one role, listening on a fixed address (default: all roles, a free port).
  void SetRole(std::string role, std::string listen) {
    role_ = std::move(role);
    listen_ = std::move(listen);
  }

  // Starts and waits until the server answers /health.
  void Start() {
    std::filesystem::path ready = data_dir_.parent_path() / (data_dir_.filename().string() + ".port");
    std::filesystem::remove(ready);
    log_path_ = data_dir_.parent_path() / (data_dir_.filename().string() + ".log");
    pid_ = fork();
    if (pid_ == 0) {
      FILE* log = fopen(log_path_.c_str(), "a");
      if (log) {
        dup2(fileno(log), STDOUT_FILENO);
        dup2(fileno(log), STDERR_FILENO);
      }
      std::vector<std::string> args = {LAKEHOUSE_BIN, "serve", "--listen", listen_, "--data", data_dir_.string(),
                                       "--ready-file", ready.string(), "--role", role_};
      if (!config_path_.empty()) {
        args.push_back("--config");
        args.push_back(config_path_);
      }
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    for (int i = 0; i < 600 && port_ == 0; ++i) {
      std::ifstream in(ready);
      if (in >> port_) break;
      int status;
      ASSERT_EQ(waitpid(pid_, &status, WNOHANG), 0) << "server exited early; log: " << Log();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_NE(port_, 0) << "server did not start; log: " << Log();
    auto res = Client().Get("/health");
    ASSERT_TRUE(res) << "server does not answer";
  }

  // SIGKILL (a crash: nothing is saved on the way out) and wait.
  void Kill() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
    port_ = 0;
  }

  // SIGTERM and wait; returns the exit status.
  int Stop() {
    if (pid_ <= 0) return -1;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    port_ = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  httplib::Client Client() const {
    httplib::Client client("127.0.0.1", port_);
    client.set_read_timeout(120, 0);
    client.set_write_timeout(120, 0);
    return client;
  }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string Log() const {
    std::ifstream in(log_path_);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  // The given config plus [storage] backend = "s3" and a [storage.s3] table.
  std::string WriteS3Config() const {
    std::string text;
    if (!config_path_.empty()) {
      std::ifstream in(config_path_);
      text.assign(std::istreambuf_iterator<char>(in), {});
    }
    const std::string storage = "[storage]\n";
    if (size_t at = text.find(storage); at != std::string::npos) {
      text.insert(at + storage.size(), "backend = \"s3\"\n");
    } else {
      text += "\n[storage]\nbackend = \"s3\"\n";
    }
    const std::filesystem::path base = data_dir_.parent_path() / data_dir_.filename();
    const std::string credentials = base.string() + ".s3-credentials";
    WriteFile(credentials, std::string("[default]\naws_access_key_id = ") + S3rver::kAccessKey +
                               "\naws_secret_access_key = " + S3rver::kSecretKey + "\n");
    text += "\n[storage.s3]\nendpoint = \"" + S3rver::Endpoint() + "\"\nbucket = \"" + BucketFor(data_dir_.string()) +
            "\"\ncredentials_file = \"" + credentials + "\"\ncreate_bucket = true\npart_size = \"5MiB\"\n";
    const std::string path = base.string() + ".s3.toml";
    WriteFile(path, text);
    return path;
  }

  std::filesystem::path data_dir_;
  std::string config_path_;
  std::string role_ = "all";
  std::string listen_ = "127.0.0.1:0";
  std::filesystem::path log_path_;
  pid_t pid_ = -1;
  int port_ = 0;
};

inline const std::vector<std::string> kSplitRoles = {"storaged", "catalogd", "embedd", "ingestd", "queryd", "vectord", "gateway"};

// Split mode on free loopback ports: the seven roles as separate processes,
// each with its own data directory under dir, started in dependency order.
class SplitCluster {
 public:
  explicit SplitCluster(const std::filesystem::path& dir) {
    std::string config = "[split]\n";
    for (const auto& role : kSplitRoles) {
      ports_[role] = testing::FreeLoopbackPort();
      if (role != "gateway") config += role + " = \"http://127.0.0.1:" + std::to_string(ports_[role]) + "\"\n";
    }
    config += "upstream_timeout_s = 20\n[vector]\nsave_interval_s = 0\n";
    const auto config_path = dir / "split.toml";
    testing::WriteFile(config_path, config);
    for (const auto& role : kSplitRoles) {
      processes_[role] = std::make_unique<ServerProcess>(dir / role, config_path.string());
      processes_[role]->SetRole(role, "127.0.0.1:" + std::to_string(ports_[role]));
    }
  }
  void StartAll() {
    for (const auto& role : kSplitRoles) processes_[role]->Start();
  }
  ServerProcess& operator[](const std::string& role) { return *processes_.at(role); }
  httplib::Client Gateway() { return processes_.at("gateway")->Client(); }

 private:
  std::map<std::string, int> ports_;
  std::map<std::string, std::unique_ptr<ServerProcess>> processes_;
};

// A response's JSON body (failing the test when there is no response or no JSON).
inline nlohmann::json Body(const httplib::Result& res) {
  EXPECT_TRUE(res);
  if (!res) return nlohmann::json();
  auto body = nlohmann::json::parse(res->body, nullptr, false);
  EXPECT_FALSE(body.is_discarded()) << res->body;
  return body;
}

// The "code" of a JSON error response, or "".
inline std::string ErrorCode(const httplib::Result& res) {
  nlohmann::json body = Body(res);
  return body.is_object() && body.contains("error") ? body["error"].value("code", "") : "";
}

// Runs a command, returning its exit code and combined stdout+stderr.
inline std::pair<int, std::string> RunCommand(const std::string& command) {
  std::string output;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return {-1, ""};
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) output.append(buf, n);
  int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

}  // namespace lakehouse::testing
