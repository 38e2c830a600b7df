// One named HNSW index (hnswlib) with string IDs and JSON metadata.
//
// Concurrency contract:
//  - Mutations (Add, Delete) and snapshot writes run one at a time. An Add
//    spreads its new IDs over `insert_threads` threads; replacing vectors of
//    existing IDs and reusing deleted slots runs on one thread, because
//    hnswlib's updatePoint is not race-free against concurrent updates.
//  - Search and Get run concurrently with each other and with the insertion
//    of new items. Replacing an existing vector, reusing a deleted slot,
//    deleting and growing capacity exclude searches briefly (hnswlib does not
//    make those safe against readers).
//  - Our search walks the graph taking hnswlib's per-node link lock while it
//    copies a neighbour list, which makes it race-free against concurrent
//    inserts (hnswlib's own searchKnn reads the lists without locks).
//
// Labels: every item occupies one hnswlib label, and a label keeps its
// internal slot forever. A deleted item's label goes to a free list and the
// next new ID takes it over: re-adding a deleted label makes hnswlib reuse the
// same slot, so the index does not grow under churn.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "storage/object_store.h"
#include "vector/metric.h"

namespace hnswlib {
template <typename dist_t>
class HierarchicalNSW;
}

namespace lakehouse {

class VectorSpace;

inline constexpr size_t kMaxVectorIdBytes = 256;
inline constexpr uint32_t kMaxDimension = 16384;
inline constexpr size_t kMaxSearchK = 1000;

struct IndexParams {
  std::string name;
  uint32_t dimension = 0;
  Metric metric = Metric::kCosine;
  VectorStorage storage = VectorStorage::kFloat32;
  uint32_t m = 16;
  uint32_t ef_construction = 200;
  uint32_t ef_search = 100;
};

// Checks ranges (dimension 1..16384, m 2..128, ef values 1..10000) and the name.
Status ValidateIndexParams(const IndexParams& params);
nlohmann::json IndexParamsToJson(const IndexParams& params);
// Strict: unknown or mistyped fields are errors. Missing optional fields take defaults.
Result<IndexParams> IndexParamsFromJson(const nlohmann::json& json);

// A batch of items to add, vectors stored contiguously (count x dimension).
struct AddBatch {
  uint32_t dimension = 0;
  std::vector<std::string> ids;
  std::vector<float> vectors;
  // Per item: nullopt = keep the item's metadata; "" = clear it; else a JSON object's compact text.
  std::vector<std::optional<std::string>> metadata;
  size_t size() const { return ids.size(); }
};

struct AddOutcome {
  size_t added = 0;    // new IDs
  size_t updated = 0;  // existing IDs whose vector was replaced
};

struct DeleteOutcome {
  size_t deleted = 0;
  std::vector<std::string> missing;
};

struct SearchHit {
  std::string id;
  float distance = 0;
  std::string metadata;  // compact JSON object text; empty when the item has none
};

// Metadata equality filter: {"field": value} or {"field": {"in": [v1, v2]}};
// every field must match. Values compare as JSON values (1 == 1.0).
class MetadataFilter {
 public:
  static Result<MetadataFilter> FromJson(const nlohmann::json& filter);
  bool Matches(std::string_view metadata_text) const;

 private:
  std::vector<std::pair<std::string, std::vector<nlohmann::json>>> fields_;
};

struct SearchRequest {
  const float* vector = nullptr;  // dimension values
  size_t k = 10;
  size_t ef_search = 0;  // 0 = the index's ef_search
  const MetadataFilter* filter = nullptr;
  // When set, only these IDs are candidates (unknown IDs are ignored).
  const std::vector<std::string>* allowed_ids = nullptr;
};

struct ItemCopy {
  std::vector<float> vector;  // as stored: unit-normalised under cosine, rounded under fp16
  std::string metadata;
};

struct IndexStats {
  size_t count = 0;     // live items
  size_t slots = 0;     // hnswlib elements, live + deleted awaiting reuse
  size_t capacity = 0;  // hnswlib max_elements
  uint64_t memory_bytes = 0;
  uint64_t mutations = 0;  // bumps on every applied Add/Delete
};

class VectorIndex {
 public:
  static Result<std::unique_ptr<VectorIndex>> Create(const IndexParams& params, int insert_threads);
  ~VectorIndex();

  const IndexParams& params() const { return params_; }
  IndexStats Stats() const;

  // Validates the whole batch first; applies it whole or not at all. Errors
  // name the first bad item.
  Result<AddOutcome> Add(const AddBatch& batch);
  DeleteOutcome Delete(const std::vector<std::string>& ids);
  Result<ItemCopy> Get(const std::string& id) const;
  bool Contains(const std::string& id) const;
  // Hits sorted by distance, at most k.
  Result<std::vector<SearchHit>> Search(const SearchRequest& request) const;

  // Snapshots: the graph in hnswlib's own file format, then the items (IDs,
  // metadata, free slots). Writes hold out mutations, not searches. Returns
  // the mutation counter the snapshot reflects.
  Result<uint64_t> WriteSnapshot(const ByteSink& graph_sink, const ByteSink& items_sink) const;
  static Result<std::unique_ptr<VectorIndex>> LoadSnapshot(const IndexParams& params, int insert_threads,
                                                           const std::filesystem::path& graph_file,
                                                           const std::filesystem::path& items_file);

 private:
  VectorIndex(const IndexParams& params, int insert_threads);
  Status ValidateBatch(const AddBatch& batch) const;
  Status EnsureCapacity(size_t extra_slots);  // caller holds mutation_mutex_
  void ResizeLabelTables(size_t capacity);     // caller holds graph_mutex_ exclusively
  std::vector<std::pair<float, uint32_t>> GraphSearch(const char* query, size_t k, size_t ef,
                                                      const std::function<bool(uint32_t)>* allowed) const;
  std::vector<std::pair<float, uint32_t>> ExactSearch(const char* query, size_t k,
                                                      const std::vector<uint32_t>& labels) const;

  IndexParams params_;
  int insert_threads_;
  std::unique_ptr<VectorSpace> space_;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> graph_;

  mutable std::mutex mutation_mutex_;        // one Add/Delete/snapshot at a time
  mutable std::shared_mutex graph_mutex_;    // exclusive: replace, reuse, delete, resize
  mutable std::mutex ids_mutex_;             // id_to_label_ and free_labels_

  std::unordered_map<std::string, uint32_t> id_to_label_;
  std::vector<uint32_t> free_labels_;
  uint32_t next_label_ = 0;  // labels [0, next_label_) exist in hnswlib
  // Indexed by label. A label's entries are written before its point enters
  // the graph, so a search that reaches the point sees them.
  std::vector<std::string> label_ids_;       // empty = free label
  std::vector<std::string> label_metadata_;  // empty = no metadata
  std::vector<uint32_t> label_slot_;         // hnswlib internal id
  std::atomic<uint64_t> mutations_{0};
  std::atomic<uint64_t> id_bytes_{0};
};

}  // namespace lakehouse
