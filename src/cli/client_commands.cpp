#include "cli/client_commands.h"

#include "cli/client_util.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/files.h"
#include "core/time.h"
#include "gen/workers.h"
#include "http/client.h"

namespace lakehouse::cli {

int IngestCommand(const std::string& server, const std::string& file, const std::string& name,
                  const std::string& mode) {
  auto url = http::ParseServerUrl(server);
  if (!url.ok()) return Fail(url.status());
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return Fail(Status::FromErrno("open", file, errno));
  std::error_code ec;
  const uint64_t size = std::filesystem::file_size(file, ec);
  if (ec) return Fail(Status::InvalidArgument("cannot read " + file + ": " + ec.message()));

  auto client = http::MakeClient(*url, 3600);
  ProgressLine progress("upload " + std::filesystem::path(file).filename().string());
  std::vector<char> buffer(1 << 20);
  const std::string path = url->base_path + "/v1/ingest?name=" + httplib::detail::encode_query_param(name) +
                           "&mode=" + httplib::detail::encode_query_param(mode);
  auto result = client->Post(
      path, size,
      [&](size_t offset, size_t length, httplib::DataSink& sink) {
        ssize_t n = ::pread(fd.get(), buffer.data(), std::min(buffer.size(), length), static_cast<off_t>(offset));
        if (n <= 0) return false;
        sink.write(buffer.data(), static_cast<size_t>(n));
        progress.Update(offset + static_cast<uint64_t>(n), size, "MB", 1e6);
        return true;
      },
      "text/csv");
  progress.Finish("");
  if (!result) return Fail(http::StatusFromTransportError(result.error(), *url));
  if (result->status != 200) return Fail(http::StatusFromResponse(result->status, result->body));
  auto body = nlohmann::json::parse(result->body, nullptr, false);
  if (body.is_discarded()) return Fail(Status::BadGateway("the server answered with invalid JSON"));
  const auto& ingest = body["ingest"];
  std::cout << "ingested " << name << ": " << body.value("row_count", 0) << " rows, version "
            << body.value("version", 0) << (body.value("existing", false) ? " (existing dataset)" : " (new dataset)")
            << "\n  upload " << ingest.value("upload_ms", 0.0) << " ms, convert " << ingest.value("convert_ms", 0.0)
            << " ms, store " << ingest.value("store_ms", 0.0) << " ms, register " << ingest.value("register_ms", 0.0)
            << " ms\n";
  return 0;
}

int EmbedCommand(const std::string& server, const std::vector<std::string>& texts, const std::string& model,
                 bool json_output) {
  nlohmann::json request = {{"texts", texts}};
  if (!model.empty()) request["model"] = model;
  auto answer = CallServer(server, "/v1/embed", request, 600);
  if (!answer.ok()) return Fail(answer.status());
  if (json_output) {
    std::cout << *answer << "\n";
    return 0;
  }
  auto body = ParseAnswer(*answer);
  if (!body.ok()) return Fail(body.status());
  std::vector<std::vector<float>> vectors = (*body)["vectors"].get<std::vector<std::vector<float>>>();
  printf("model %s, dimension %d\n", (*body)["model"].get<std::string>().c_str(), (*body)["dimension"].get<int>());
  for (size_t i = 0; i < vectors.size(); ++i) {
    printf("[%zu] %.60s\n    ", i, texts[i].c_str());
    for (size_t j = 0; j < std::min<size_t>(8, vectors[i].size()); ++j) printf("%+.4f ", vectors[i][j]);
    printf("...\n");
  }
  if (vectors.size() > 1) {
    printf("cosine similarity:\n");
    auto cosine = [](const std::vector<float>& a, const std::vector<float>& b) {
      double dot = 0, na = 0, nb = 0;
      for (size_t k = 0; k < a.size() && k < b.size(); ++k) {
        dot += a[k] * b[k];
        na += a[k] * a[k];
        nb += b[k] * b[k];
      }
      return na > 0 && nb > 0 ? dot / std::sqrt(na * nb) : 0.0;
    };
    for (size_t i = 0; i < vectors.size(); ++i) {
      printf("  [%zu]", i);
      for (size_t j = 0; j < vectors.size(); ++j) printf(" %6.3f", cosine(vectors[i], vectors[j]));
      printf("\n");
    }
  }
  return 0;
}

int SqlCommand(const std::string& server, const std::string& sql, bool json_output) {
  auto answer = CallServer(server, "/v1/sql", {{"sql", sql}}, 3600);
  if (!answer.ok()) return Fail(answer.status());
  if (json_output) {
    std::cout << *answer << "\n";
    return 0;
  }
  auto parsed = ParseAnswer(*answer);
  if (!parsed.ok()) return Fail(parsed.status());
  const nlohmann::json& body = *parsed;
  std::vector<std::vector<std::string>> table;
  std::vector<std::string> header;
  for (const auto& c : body["columns"]) header.push_back(c["name"].get<std::string>());
  table.push_back(header);
  for (const auto& row : body["rows"]) {
    std::vector<std::string> cells;
    for (const auto& v : row) cells.push_back(v.is_string() ? v.get<std::string>() : v.dump());
    table.push_back(cells);
  }
  std::vector<size_t> widths(header.size(), 0);
  for (const auto& r : table) {
    for (size_t i = 0; i < r.size() && i < widths.size(); ++i) widths[i] = std::max(widths[i], std::min<size_t>(r[i].size(), 60));
  }
  for (size_t r = 0; r < table.size(); ++r) {
    for (size_t i = 0; i < table[r].size() && i < widths.size(); ++i) {
      std::string cell = table[r][i];
      for (auto& ch : cell) {
        if (ch == '\n') ch = ' ';
      }
      if (cell.size() > 60) cell = cell.substr(0, 57) + "...";
      std::cout << (i ? " | " : "") << cell << std::string(widths[i] - std::min(widths[i], cell.size()), ' ');
    }
    std::cout << "\n";
    if (r == 0) {
      for (size_t i = 0; i < widths.size(); ++i) std::cout << (i ? "-+-" : "") << std::string(widths[i], '-');
      std::cout << "\n";
    }
  }
  std::cout << "(" << body.value("row_count", 0) << " rows" << (body.value("truncated", false) ? ", truncated" : "")
            << ")\n";
  return 0;
}

int GenWorkersCommand(uint64_t rows, uint64_t seed, const std::string& out) {
  ProgressLine progress("generate");
  auto start = std::chrono::steady_clock::now();
  Status st = WriteWorkersCsv({rows, seed, 1}, out, [&](uint64_t done) { progress.Update(done, rows, "k rows", 1e3); });
  progress.Finish("");
  if (!st.ok()) return Fail(st);
  double seconds = SecondsSince(start);
  std::error_code ec;
  std::cerr << "wrote " << rows << " workers to " << out << " (" << std::filesystem::file_size(out, ec) / 1000000
            << " MB) in " << seconds << " s\n";
  return 0;
}

}  // namespace lakehouse::cli
