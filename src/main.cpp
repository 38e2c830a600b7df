// lakehouse: one binary, every role. `lakehouse serve` runs all services in
// one process; the other commands are clients of a running server.
#include <malloc.h>
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <thread>

#include "cli/client_commands.h"
#include "core/config.h"
#include "core/log.h"
#include "service/app.h"

namespace {

using namespace lakehouse;

std::string DefaultServer() {
  const char* env = std::getenv("LAKEHOUSE_SERVER");
  return env && *env ? env : "http://127.0.0.1:3110";
}

int Serve(const std::string& config_path, const std::string& role, const std::string& listen,
          const std::string& data_dir, const std::string& ready_file) {
  auto config = LoadConfig(config_path);
  if (!config.ok()) {
    std::cerr << "error: " << config.status().message() << "\n";
    return 2;
  }
  if (Status st = ValidateRole(role); !st.ok()) {
    std::cerr << "error: --role: " << st.message() << "\n";
    return 2;
  }
  config->server.listen = DefaultListen(*config, role);
  if (!listen.empty()) {
    std::string host;
    int port;
    if (Status st = ParseListenAddress(listen, &host, &port); !st.ok()) {
      std::cerr << "error: --listen " << listen << ": " << st.message() << "\n";
      return 2;
    }
    config->server.listen = listen;
  }
  if (!data_dir.empty()) config->storage.data_dir = data_dir;
  log::Init(config->log.level);

  // Signals are taken by one thread with sigwait; block them everywhere else
  // before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto app = App::Create(*config, role);
  if (!app.ok()) {
    log::Error("startup_failed", {{"error", app.status().message()}});
    return 1;
  }
  auto port = (*app)->Bind();
  if (!port.ok()) {
    log::Error("startup_failed", {{"error", port.status().message()}});
    return 1;
  }
  log::Info("listening", {{"role", role},
                          {"listen", config->server.listen},
                          {"port", *port},
                          {"data_dir", config->storage.data_dir}});
  if (!ready_file.empty()) {
    std::ofstream(ready_file + ".tmp") << *port << "\n";
    std::rename((ready_file + ".tmp").c_str(), ready_file.c_str());
  }

  App* raw = app->get();
  const int grace_s = config->server.shutdown_grace_s;
  std::thread signal_thread([raw, signals, grace_s] {
    int sig = 0;
    sigwait(&signals, &sig);
    log::Info("shutting_down", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}, {"grace_s", grace_s}});
    raw->Shutdown();
    // Bounded: past the grace period running queries are cancelled, and a
    // second signal or a further grace period ends the process regardless.
    std::thread([raw, grace_s] {
      std::this_thread::sleep_for(std::chrono::seconds(grace_s));
      log::Warn("shutdown_grace_exceeded", {});
      raw->CancelWork();
      std::this_thread::sleep_for(std::chrono::seconds(grace_s + 1));
      std::_Exit(1);
    }).detach();
  });
  signal_thread.detach();

  (*app)->Run();
  log::Info("stopped", {});
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Large transient buffers (request bodies, decoded vector batches) are
  // mapped and unmapped directly instead of lingering in malloc's heap after
  // use; without this glibc raises the threshold on the fly and a bulk vector
  // load leaves hundreds of MB of freed batches resident.
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  CLI::App cli{"lakehouse: tabular and vector data behind one HTTP API"};
  cli.require_subcommand(1);

  std::string config_path, listen, data_dir, ready_file, role = "all";
  auto* serve = cli.add_subcommand("serve", "run the server: every service in one process, or one role of split mode");
  serve->add_option("--config", config_path, "lakehouse.toml");
  serve->add_option("--role", role,
                    "all (default), or one split-mode role: gateway, storaged, catalogd, ingestd, queryd, vectord, embedd");
  serve->add_option("--listen", listen,
                    "host:port to listen on (default server.listen, or the role's URL in [split]; port 0 picks a free one)");
  serve->add_option("--data", data_dir, "data directory (default ./data)");
  serve->add_option("--ready-file", ready_file, "write the bound port to this file once listening");

  std::string urls_config;
  auto* split_urls = cli.add_subcommand("split-urls", "print each split-mode role and the URL it answers on");
  split_urls->add_option("--config", urls_config, "lakehouse.toml");

  std::string server = DefaultServer();
  std::string file, name, mode = "replace";
  auto* ingest = cli.add_subcommand("ingest", "upload a CSV file as a dataset");
  ingest->add_option("file", file, "CSV file")->required()->check(CLI::ExistingFile);
  ingest->add_option("--name", name, "dataset name")->required();
  ingest->add_option("--mode", mode, "replace (default) or append")->check(CLI::IsMember({"replace", "append"}));
  ingest->add_option("--server", server, "server URL (default $LAKEHOUSE_SERVER or http://127.0.0.1:3110)");

  std::string sql;
  bool json_output = false;
  auto* sql_cmd = cli.add_subcommand("sql", "run a read-only SQL query");
  sql_cmd->add_option("query", sql, "SQL text")->required();
  sql_cmd->add_option("--server", server, "server URL");
  sql_cmd->add_flag("--json", json_output, "print the raw JSON response");

  std::string dataset, index_name, id_column, text_template;
  std::vector<std::string> metadata_columns;
  auto* index_cmd = cli.add_subcommand("index-dataset", "index a dataset's rows by meaning (embeddings + HNSW)");
  index_cmd->add_option("dataset", dataset, "dataset name")->required();
  index_cmd->add_option("--index", index_name, "vector index name")->required();
  index_cmd->add_option("--id-column", id_column, "column holding each row's id")->required();
  index_cmd->add_option("--template", text_template, "text template, e.g. \"{role} in {city}\"")->required();
  index_cmd->add_option("--metadata", metadata_columns, "columns stored as metadata")->delimiter(',');
  index_cmd->add_option("--server", server, "server URL");

  uint64_t demo_rows = 500000;
  std::string demo_server;
  auto* demo_cmd = cli.add_subcommand("demo", "end-to-end demonstrations");
  auto* staffing_cmd = demo_cmd->add_subcommand("staffing", "generate, ingest and index workers, then search them");
  demo_cmd->require_subcommand(1);
  staffing_cmd->add_option("--rows", demo_rows, "workers to generate (default 500000)");
  staffing_cmd->add_option("--server", demo_server, "use this server instead of starting one");

  std::vector<std::string> embed_texts;
  std::string embed_model;
  auto* embed_cmd = cli.add_subcommand("embed", "embed texts with the server's embedder and compare them");
  embed_cmd->add_option("texts", embed_texts, "one or more texts")->required();
  embed_cmd->add_option("--model", embed_model, "model (default: the configured one)");
  embed_cmd->add_option("--server", server, "server URL");
  embed_cmd->add_flag("--json", json_output, "print the raw JSON response");

  uint64_t rows = 1000, seed = 42;
  std::string out;
  auto* gen = cli.add_subcommand("gen", "generate data sets");
  gen->require_subcommand(1);
  auto* workers = gen->add_subcommand("workers", "the staffing workers CSV (18 columns)");
  workers->add_option("--rows", rows, "rows to write")->check(CLI::Range(uint64_t{0}, uint64_t{100000000}));
  workers->add_option("--seed", seed, "random seed (same seed, same file)");
  workers->add_option("--out", out, "output CSV path")->required();

  CLI11_PARSE(cli, argc, argv);

  if (serve->parsed()) return Serve(config_path, role, listen, data_dir, ready_file);
  if (split_urls->parsed()) {
    auto config = LoadConfig(urls_config);
    if (!config.ok()) {
      std::cerr << "error: " << config.status().message() << "\n";
      return 2;
    }
    const SplitConfig& s = config->split;
    std::cout << "gateway http://" << config->server.listen << "\nstoraged " << s.storaged << "\ncatalogd "
              << s.catalogd << "\ningestd " << s.ingestd << "\nqueryd " << s.queryd << "\nvectord " << s.vectord
              << "\nembedd " << s.embedd << "\n";
    return 0;
  }
  if (ingest->parsed()) return cli::IngestCommand(server, file, name, mode);
  if (sql_cmd->parsed()) return cli::SqlCommand(server, sql, json_output);
  if (index_cmd->parsed()) {
    return cli::IndexDatasetCommand(server, dataset, index_name, id_column, text_template, metadata_columns);
  }
  if (staffing_cmd->parsed()) return cli::DemoStaffingCommand(demo_server, demo_rows);
  if (embed_cmd->parsed()) return cli::EmbedCommand(server, embed_texts, embed_model, json_output);
  if (workers->parsed()) return cli::GenWorkersCommand(rows, seed, out);
  return 2;
}
