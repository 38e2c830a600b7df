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

#include "core/files.h"
#include "storage/local_store.h"

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
  explicit ServerProcess(std::filesystem::path data_dir, std::string config_path = "")
      : data_dir_(std::move(data_dir)), config_path_(std::move(config_path)) {}
  ~ServerProcess() { Stop(); }

  // Starts and waits until the server answers /health.
  void Start() {
    std::filesystem::path ready = data_dir_.parent_path() / (data_dir_.filename().string() + ".port");
    std::filesystem::remove(ready);
    log_path_ = data_dir_.parent_path() / (data_dir_.filename().string() + ".log");
    pid_ = fork();
    if (pid_ == 0) {
      FILE* log = fopen(log_path_.c_str(), "a");
      if (log) dup2(fileno(log), STDERR_FILENO);
      std::vector<std::string> args = {LAKEHOUSE_BIN, "serve", "--listen", "127.0.0.1:0", "--data", data_dir_.string(),
                                       "--ready-file", ready.string()};
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
  std::filesystem::path data_dir_;
  std::string config_path_;
  std::filesystem::path log_path_;
  pid_t pid_ = -1;
  int port_ = 0;
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
