// `lakehouse index-dataset` and `lakehouse demo staffing`.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/client_commands.h"
#include "cli/client_util.h"
#include "core/files.h"
#include "core/time.h"
#include "gen/workers.h"
#include "http/client.h"

namespace lakehouse::cli {
namespace {

using Clock = std::chrono::steady_clock;

// A JSON call (GET when body is null) whose answer is parsed.
Result<nlohmann::json> Call(const std::string& server, const std::string& path, const nlohmann::json& body = nullptr) {
  LH_ASSIGN_OR_RETURN(std::string answer, CallServer(server, path, body, 3600));
  return ParseAnswer(answer);
}

// A server of our own on a free port with a temporary data directory,
// stopped (SIGTERM) when this goes away.
class OwnServer {
 public:
  static Result<std::unique_ptr<OwnServer>> Start() {
    auto own = std::unique_ptr<OwnServer>(new OwnServer());
    LH_ASSIGN_OR_RETURN(own->dir_, MakeTempDir(std::filesystem::temp_directory_path(), "lakehouse-demo-"));
    const auto ready = own->dir_.path() / "port";
    const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
    const std::string data = (own->dir_.path() / "data").string();
    const std::string log = (own->dir_.path() / "server.log").string();
    own->pid_ = fork();
    if (own->pid_ == 0) {
      FILE* out = fopen(log.c_str(), "a");
      if (out) dup2(fileno(out), STDERR_FILENO);
      execl(self.c_str(), self.c_str(), "serve", "--listen", "127.0.0.1:0", "--data", data.c_str(), "--ready-file",
            ready.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 1500; ++i) {
      std::ifstream in(ready);
      int port = 0;
      if (in >> port && port > 0) {
        own->url_ = "http://127.0.0.1:" + std::to_string(port);
        return own;
      }
      if (waitpid(own->pid_, nullptr, WNOHANG) != 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return Status::Internal("the demo server did not start; see " + log);
  }
  ~OwnServer() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  const std::string& url() const { return url_; }
  const std::filesystem::path& dir() const { return dir_.path(); }
  long PeakRssMb() const {
    std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6)) / 1024;
    }
    return -1;
  }

 private:
  OwnServer() = default;
  TempPath dir_;
  pid_t pid_ = -1;
  std::string url_;
};

// Starts an async indexing job and follows it with a progress line.
Result<nlohmann::json> RunIndexJob(const std::string& server, const std::string& dataset, nlohmann::json request) {
  request["async"] = true;
  LH_ASSIGN_OR_RETURN(nlohmann::json started, Call(server, "/v1/datasets/" + dataset + "/embeddings", request));
  const std::string status_url = started["status_url"];
  ProgressLine progress("index " + dataset);
  while (true) {
    LH_ASSIGN_OR_RETURN(nlohmann::json job, Call(server, status_url));
    progress.Update(job["rows_done"].get<uint64_t>(), job["rows_total"].get<uint64_t>(), "k rows", 1e3);
    if (job["state"] == "done") {
      progress.Finish("");
      return job["result"];
    }
    if (job["state"] == "failed") {
      progress.Finish("");
      return Status(StatusCode::kInternal, job["error"]["code"], job["error"]["message"]);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace

int IndexDatasetCommand(const std::string& server, const std::string& dataset, const std::string& index,
                        const std::string& id_column, const std::string& text_template,
                        const std::vector<std::string>& metadata_columns) {
  nlohmann::json request = {{"index", index},
                            {"id_column", id_column},
                            {"text_template", text_template},
                            {"metadata_columns", metadata_columns}};
  auto report = RunIndexJob(server, dataset, request);
  if (!report.ok()) return Fail(report.status());
  std::cout << report->dump(2) << "\n";
  return 0;
}

int DemoStaffingCommand(const std::string& server_arg, uint64_t rows) {
  setvbuf(stdout, nullptr, _IOLBF, 0);  // phases appear as they finish, also when piped
  std::unique_ptr<OwnServer> own;
  std::string server = server_arg;
  if (server.empty()) {
    auto started = OwnServer::Start();
    if (!started.ok()) return Fail(started.status());
    own = std::move(*started);
    server = own->url();
    printf("started a server at %s (data in %s)\n", server.c_str(), own->dir().c_str());
  }
  auto temp = MakeTempDir(std::filesystem::temp_directory_path(), "lakehouse-demo-csv-");
  if (!temp.ok()) return Fail(temp.status());
  const auto csv = temp->path() / "workers.csv";
  const auto all_start = Clock::now();

  auto t = Clock::now();
  Status generated = WriteWorkersCsv({.rows = rows, .seed = 42}, csv);
  if (!generated.ok()) return Fail(generated);
  const double gen_s = SecondsSince(t);
  printf("generate: %llu rows in %.1f s (%.0f rows/s)\n", static_cast<unsigned long long>(rows), gen_s, rows / gen_s);

  t = Clock::now();
  if (int rc = IngestCommand(server, csv.string(), "workers", "replace"); rc != 0) return rc;
  const double ingest_s = SecondsSince(t);
  printf("ingest:   %.1f s (%.0f rows/s)\n", ingest_s, rows / ingest_s);

  t = Clock::now();
  const nlohmann::json request = {
      {"index", "workers_semantic"},
      {"id_column", "worker_id"},
      {"text_template",
       "{role} in {city}, {state}. Skills: {skills}. Certifications: {certifications}. {availability}, speaks "
       "{languages}."},
      // The columns the queries show are kept in the index, so results need no Parquet read.
      {"metadata_columns", {"role", "city", "state", "reliability", "years_experience"}}};
  auto report = RunIndexJob(server, "workers", request);
  if (!report.ok()) return Fail(report.status());
  const double index_s = SecondsSince(t);
  printf("index:    %.1f s (%.0f rows/s; read %.1f s, embed %.1f s, insert %.1f s, overlapped)\n", index_s,
         (*report)["rows_embedded"].get<double>() / index_s, (*report)["read_ms"].get<double>() / 1000,
         (*report)["embed_ms"].get<double>() / 1000, (*report)["insert_ms"].get<double>() / 1000);
  const double total_s = SecondsSince(all_start);
  printf("total generate + ingest + index: %.1f s (%.1f min)\n\n", total_s, total_s / 60);

  struct Query {
    std::string text, where;
  };
  const std::vector<Query> queries = {
      {"electrician with industrial wiring experience", ""},
      {"CNC operator with first article inspection and gauge R&R", ""},
      {"forklift driver OSHA-30 certified warehouse", ""},
      {"warehouse picker night shift bilingual", ""},
      {"dental hygienist", ""},
      {"forklift driver OSHA-30 certified, night shift", "state = 'IL' AND reliability > 0.8"},
      {"CNC machinist", "state IN ('OH', 'MI') AND years_experience >= 10"},
  };
  for (const auto& q : queries) {
    nlohmann::json body = {{"dataset", "workers"},
                           {"index", "workers_semantic"},
                           {"text", q.text},
                           {"k", 5},
                           {"columns", {"worker_id", "role", "city", "state", "reliability", "years_experience"}}};
    if (!q.where.empty()) body["where"] = q.where;
    std::vector<double> ms;
    nlohmann::json answer;
    for (int i = 0; i < 21; ++i) {
      auto start = Clock::now();
      auto result = Call(server, "/v1/search", body);
      if (!result.ok()) return Fail(result.status());
      ms.push_back(SecondsSince(start) * 1000);
      answer = std::move(*result);
    }
    const double first = ms[0];
    std::sort(ms.begin(), ms.end());
    const auto& phases = answer["timings_ms"];
    printf("\"%s\"%s%s\n  first %.1f ms, p50 of 21 %.1f ms%s (last: embed %.2f, where %.1f, search %.2f, fetch rows %.1f ms)\n",
           q.text.c_str(), q.where.empty() ? "" : " WHERE ", q.where.c_str(), first, ms[ms.size() / 2],
           answer["where_matches"].is_null() ? "" : (", " + std::to_string(answer["where_matches"].get<long>()) + " rows match").c_str(),
           phases["embed"].get<double>(), phases["filter"].get<double>(), phases["search"].get<double>(),
           phases["fetch"].get<double>());
    for (const auto& hit : answer["results"]) {
      const auto& row = hit["row"];
      printf("  %.3f  %s  %-26s %s, %s  reliability %.2f  %d yrs\n", hit["distance"].get<double>(),
             row["worker_id"].get<std::string>().c_str(), row["role"].get<std::string>().c_str(),
             row["city"].get<std::string>().c_str(), row["state"].get<std::string>().c_str(),
             row["reliability"].get<double>(), row["years_experience"].get<int>());
    }
  }
  if (own) printf("\nserver peak RSS: %ld MB\n", own->PeakRssMb());
  return 0;
}

}  // namespace lakehouse::cli
