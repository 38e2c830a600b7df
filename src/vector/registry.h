// The named vector indexes of one server and their persistence.
//
// On the store, index <name> is:
//   vectors/<name>/index.json                      definition + pointer to the current snapshot
//   vectors/<name>/snapshots/<generation>/graph.hnsw  hnswlib's file format
//   vectors/<name>/snapshots/<generation>/items.bin   IDs, metadata, free slots
// A save writes a new generation's objects, then switches index.json to it,
// then removes older generations: a crash at any point leaves the last good
// snapshot in place. Snapshots carry SHA-256 checksums, checked on load; an
// unreadable index is reported (Problems) and the others load.
#pragma once

#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "storage/object_store.h"
#include "vector/vector_index.h"

namespace lakehouse {

struct VectorRegistryOptions {
  std::filesystem::path work_dir;  // snapshots are staged here before they are stored
  int insert_threads = 0;          // per Add batch; 0 = one per core
  int save_interval_s = 300;       // indexes with unsaved changes are saved this often; 0 = never
};

struct IndexProblem {
  std::string name;
  std::string error;
};

class VectorRegistry {
 public:
  static Result<std::unique_ptr<VectorRegistry>> Open(ObjectStore& store, VectorRegistryOptions options);
  ~VectorRegistry();

  // Persists the definition, then makes the index available. Conflict when
  // the name is taken. `source` records what built the index (dataset, text
  // template, embedder); it is stored with the definition and described.
  Result<nlohmann::json> Create(const IndexParams& params, const nlohmann::json& source = nullptr);
  // The index's recorded source (null when none).
  Result<nlohmann::json> Source(std::string_view name) const;
  Result<std::shared_ptr<VectorIndex>> Find(std::string_view name) const;
  Result<nlohmann::json> Describe(std::string_view name) const;
  std::vector<nlohmann::json> DescribeAll() const;
  // Loaded indexes (without describing them).
  size_t size() const;
  // Removes the index and everything stored for it; in-flight requests on it finish.
  Status Drop(std::string_view name);
  // Writes a snapshot now (even without changes); returns its description.
  Result<nlohmann::json> Save(std::string_view name);
  // Saves every index with unsaved changes; returns the first failure.
  Status SaveChanged();
  std::vector<IndexProblem> Problems() const;
  // Stops the periodic saver (does not save; call SaveChanged for that).
  void StopBackgroundSaves();

 private:
  struct SnapshotRecord {
    uint64_t generation = 0;
    std::string graph_key, graph_sha256, items_key, items_sha256;
    uint64_t graph_bytes = 0, items_bytes = 0;
    uint64_t count = 0;
    int64_t saved_at_ms = 0;
  };
  struct Entry {
    std::shared_ptr<VectorIndex> index;
    int64_t created_at_ms = 0;
    nlohmann::json source;  // immutable after creation
    std::mutex save_mutex;  // guards the fields below
    std::optional<SnapshotRecord> snapshot;
    uint64_t saved_mutations = 0;
    bool dropped = false;
  };

  VectorRegistry(ObjectStore& store, VectorRegistryOptions options) : store_(store), options_(std::move(options)) {}
  Status LoadAll();
  Result<std::shared_ptr<Entry>> LoadOne(const std::string& name, const std::string& text);
  Result<nlohmann::json> SaveEntry(const std::string& name, Entry& entry);
  Status WriteDefinition(const std::string& name, const Entry& entry);  // caller holds entry.save_mutex
  Result<std::shared_ptr<Entry>> FindEntry(std::string_view name) const;
  nlohmann::json DescribeEntry(const std::string& name, Entry& entry) const;
  void SaverLoop();

  ObjectStore& store_;
  VectorRegistryOptions options_;
  mutable std::mutex mutex_;  // entries_ and problems_
  std::map<std::string, std::shared_ptr<Entry>, std::less<>> entries_;
  std::vector<IndexProblem> problems_;
  std::mutex create_mutex_;  // one Create/Drop at a time

  std::mutex saver_mutex_;
  std::condition_variable saver_wake_;
  bool saver_stop_ = false;
  std::thread saver_;
};

}  // namespace lakehouse
