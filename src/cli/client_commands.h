// CLI commands that talk to a running server over HTTP.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lakehouse::cli {

// Each returns the process exit code and prints the server's error on failure.
int IngestCommand(const std::string& server, const std::string& file, const std::string& name,
                  const std::string& mode);
int SqlCommand(const std::string& server, const std::string& sql, bool json_output);
// Embeds texts on the server; prints model, dimension, each vector's first
// values and, for several texts, their pairwise cosine similarities.
int EmbedCommand(const std::string& server, const std::vector<std::string>& texts, const std::string& model,
                 bool json_output);
// Indexes a dataset by meaning as a job, following it with a progress line.
int IndexDatasetCommand(const std::string& server, const std::string& dataset, const std::string& index,
                        const std::string& id_column, const std::string& text_template,
                        const std::vector<std::string>& metadata_columns);
// generate -> ingest -> index -> the canonical queries, with timings. An empty
// server starts a private one on a free port with a temporary data directory.
int DemoStaffingCommand(const std::string& server, uint64_t rows);
int GenWorkersCommand(uint64_t rows, uint64_t seed, const std::string& out);

}  // namespace lakehouse::cli
