#include "vector/vector_index.h"

#include <cmath>
#include <cstring>
#include <fstream>
#include <queue>
#include <unordered_set>

#include "core/binary.h"
#include "core/ids.h"
#include "core/json_text.h"
#include "core/parallel.h"
#include "hnswlib/hnswlib.h"
#include "vector/space.h"

namespace lakehouse {
namespace {

using Graph = hnswlib::HierarchicalNSW<float>;
using hnswlib::tableint;

constexpr size_t kInitialCapacity = 1024;
constexpr float kMaxHalf = 65504.0f;
constexpr char kItemsMagic[8] = {'L', 'H', 'V', 'I', 'T', 'E', 'M', 'S'};
constexpr uint32_t kItemsVersion = 1;

std::string QuotedId(std::string_view id) {
  std::string shown;
  AppendJsonString(shown, id.size() > 64 ? std::string(id.substr(0, 64)) + "..." : std::string(id));
  return shown;
}

Status ItemError(size_t index, std::string_view id, const std::string& what) {
  return Status::InvalidArgument("item " + std::to_string(index) + " (id " + QuotedId(id) + "): " + what,
                                 "invalid_vector");
}

// Under cosine the index holds unit vectors; others are stored as given.
void PrepareVector(Metric metric, const float* in, size_t dimension, float* out) {
  if (metric != Metric::kCosine) {
    std::memcpy(out, in, dimension * sizeof(float));
    return;
  }
  double norm = 0;
  for (size_t i = 0; i < dimension; ++i) norm += static_cast<double>(in[i]) * in[i];
  const float scale = static_cast<float>(1.0 / std::sqrt(norm));
  for (size_t i = 0; i < dimension; ++i) out[i] = in[i] * scale;
}

// A problem with one vector, or empty when it is usable under metric/storage.
std::string VectorProblem(const float* v, size_t dimension, Metric metric, VectorStorage storage) {
  double norm = 0;
  for (size_t i = 0; i < dimension; ++i) {
    if (!std::isfinite(v[i])) return "value " + std::to_string(i) + " is NaN or infinite";
    if (storage == VectorStorage::kFloat16 && std::fabs(v[i]) > kMaxHalf) {
      return "value " + std::to_string(i) + " is outside the fp16 range (+-65504)";
    }
    norm += static_cast<double>(v[i]) * v[i];
  }
  if (metric == Metric::kCosine && !(norm > 0)) return "a zero vector has no direction under the cosine metric";
  if (!std::isfinite(norm)) return "the vector's norm overflows";
  return {};
}

class ReturnVisitedList {
 public:
  ReturnVisitedList(hnswlib::VisitedListPool& pool) : pool_(pool), list_(pool.getFreeVisitedList()) {}
  ~ReturnVisitedList() { pool_.releaseVisitedList(list_); }
  hnswlib::VisitedList* get() const { return list_; }

 private:
  hnswlib::VisitedListPool& pool_;
  hnswlib::VisitedList* list_;
};

// Copies a node's neighbour list under its link lock (see the header).
void CopyNeighbours(const Graph& graph, tableint node, int level, std::vector<tableint>& out) {
  auto& lock = const_cast<Graph&>(graph).link_list_locks_[node];
  std::lock_guard<std::mutex> guard(lock);
  unsigned int* list = level == 0 ? graph.get_linklist0(node) : graph.get_linklist(node, level);
  unsigned short count = graph.getListCount(list);
  const tableint* neighbours = reinterpret_cast<const tableint*>(list + 1);
  out.assign(neighbours, neighbours + count);
}

Status FlushIfLarge(std::string& buffer, const ByteSink& sink, size_t threshold = 4u << 20) {
  if (buffer.size() < threshold) return Status::Ok();
  Status status = sink(buffer);
  buffer.clear();
  return status;
}

Status CheckUint(const nlohmann::json& json, const char* field, uint64_t min, uint64_t max, uint32_t* out) {
  auto it = json.find(field);
  if (it == json.end()) return Status::Ok();
  if (!it->is_number_unsigned() && !(it->is_number_integer() && it->get<int64_t>() >= 0)) {
    return Status::InvalidArgument(std::string(field) + " must be a whole number", "bad_request");
  }
  uint64_t v = it->get<uint64_t>();
  if (v < min || v > max) {
    return Status::InvalidArgument(std::string(field) + " must be between " + std::to_string(min) + " and " +
                                       std::to_string(max),
                                   "bad_request");
  }
  *out = static_cast<uint32_t>(v);
  return Status::Ok();
}

}  // namespace

Status ValidateIndexParams(const IndexParams& params) {
  LH_RETURN_IF_ERROR(ValidateName(params.name, "index name"));
  if (params.dimension < 1 || params.dimension > kMaxDimension) {
    return Status::InvalidArgument("dimension must be between 1 and " + std::to_string(kMaxDimension), "bad_request");
  }
  if (params.m < 2 || params.m > 128) return Status::InvalidArgument("m must be between 2 and 128", "bad_request");
  if (params.ef_construction < 1 || params.ef_construction > 10000) {
    return Status::InvalidArgument("ef_construction must be between 1 and 10000", "bad_request");
  }
  if (params.ef_search < 1 || params.ef_search > 10000) {
    return Status::InvalidArgument("ef_search must be between 1 and 10000", "bad_request");
  }
  return Status::Ok();
}

nlohmann::json IndexParamsToJson(const IndexParams& params) {
  return {{"name", params.name},
          {"dimension", params.dimension},
          {"metric", MetricName(params.metric)},
          {"storage", StorageName(params.storage)},
          {"m", params.m},
          {"ef_construction", params.ef_construction},
          {"ef_search", params.ef_search}};
}

Result<IndexParams> IndexParamsFromJson(const nlohmann::json& json) {
  if (!json.is_object()) return Status::InvalidArgument("index parameters must be a JSON object", "bad_request");
  static const std::unordered_set<std::string> kKnown = {"name", "dimension", "metric", "storage",
                                                         "m", "ef_construction", "ef_search"};
  for (const auto& [key, value] : json.items()) {
    if (!kKnown.count(key)) return Status::InvalidArgument("unknown field \"" + key + "\"", "bad_request");
  }
  IndexParams params;
  auto name = json.find("name");
  if (name == json.end() || !name->is_string()) {
    return Status::InvalidArgument("the body needs a string field \"name\"", "bad_request");
  }
  params.name = name->get<std::string>();
  if (!json.contains("dimension")) return Status::InvalidArgument("the body needs a field \"dimension\"", "bad_request");
  LH_RETURN_IF_ERROR(CheckUint(json, "dimension", 1, kMaxDimension, &params.dimension));
  if (auto metric = json.find("metric"); metric != json.end()) {
    if (!metric->is_string()) return Status::InvalidArgument("metric must be a string", "bad_request");
    LH_ASSIGN_OR_RETURN(params.metric, ParseMetric(metric->get<std::string>()));
  }
  if (auto storage = json.find("storage"); storage != json.end()) {
    if (!storage->is_string()) return Status::InvalidArgument("storage must be a string", "bad_request");
    LH_ASSIGN_OR_RETURN(params.storage, ParseStorage(storage->get<std::string>()));
  }
  LH_RETURN_IF_ERROR(CheckUint(json, "m", 2, 128, &params.m));
  LH_RETURN_IF_ERROR(CheckUint(json, "ef_construction", 1, 10000, &params.ef_construction));
  LH_RETURN_IF_ERROR(CheckUint(json, "ef_search", 1, 10000, &params.ef_search));
  LH_RETURN_IF_ERROR(ValidateIndexParams(params));
  return params;
}

Result<MetadataFilter> MetadataFilter::FromJson(const nlohmann::json& filter) {
  if (!filter.is_object()) return Status::InvalidArgument("filter must be a JSON object", "bad_filter");
  MetadataFilter out;
  for (const auto& [field, condition] : filter.items()) {
    std::vector<nlohmann::json> values;
    if (condition.is_object()) {
      auto in = condition.find("in");
      if (condition.size() != 1 || in == condition.end() || !in->is_array()) {
        return Status::InvalidArgument("filter field \"" + field + "\" must be a value or {\"in\": [values]}",
                                       "bad_filter");
      }
      for (const auto& v : *in) values.push_back(v);
    } else {
      values.push_back(condition);
    }
    out.fields_.emplace_back(field, std::move(values));
  }
  return out;
}

bool MetadataFilter::Matches(std::string_view metadata_text) const {
  if (fields_.empty()) return true;
  if (metadata_text.empty()) return false;
  nlohmann::json metadata = nlohmann::json::parse(metadata_text, nullptr, /*allow_exceptions=*/false);
  if (!metadata.is_object()) return false;
  for (const auto& [field, values] : fields_) {
    auto it = metadata.find(field);
    if (it == metadata.end()) return false;
    bool any = false;
    for (const auto& v : values) {
      if (*it == v) {
        any = true;
        break;
      }
    }
    if (!any) return false;
  }
  return true;
}

VectorIndex::VectorIndex(const IndexParams& params, int insert_threads)
    : params_(params),
      insert_threads_(WorkerThreads(insert_threads)),
      space_(std::make_unique<VectorSpace>(params.metric, params.storage, params.dimension)) {}

VectorIndex::~VectorIndex() = default;

Result<std::unique_ptr<VectorIndex>> VectorIndex::Create(const IndexParams& params, int insert_threads) {
  LH_RETURN_IF_ERROR(ValidateIndexParams(params));
  std::unique_ptr<VectorIndex> index(new VectorIndex(params, insert_threads));
  try {
    index->graph_ = std::make_unique<Graph>(index->space_.get(), kInitialCapacity, params.m, params.ef_construction,
                                            /*random_seed=*/100, /*allow_replace_deleted=*/false);
  } catch (const std::exception& e) {
    return Status::Internal(std::string("cannot create the index: ") + e.what());
  }
  index->ResizeLabelTables(kInitialCapacity);
  return index;
}

void VectorIndex::ResizeLabelTables(size_t capacity) {
  label_ids_.resize(capacity);
  label_metadata_.resize(capacity);
  label_slot_.resize(capacity);
}

IndexStats VectorIndex::Stats() const {
  std::shared_lock<std::shared_mutex> graph_lock(graph_mutex_);
  IndexStats stats;
  {
    std::lock_guard<std::mutex> ids_lock(ids_mutex_);
    stats.count = id_to_label_.size();
  }
  stats.slots = graph_->cur_element_count;
  stats.capacity = graph_->max_elements_;
  stats.mutations = mutations_;
  // An estimate from the structures' sizes: hnswlib's base layer for every
  // slot, its upper layers at their expected share (1/(M-1) of a level per
  // element), the per-capacity arrays, and our ID tables.
  const double upper_links = static_cast<double>(graph_->size_links_per_element_) / (params_.m - 1.0);
  const uint64_t per_slot = graph_->size_data_per_element_ + static_cast<uint64_t>(upper_links) +
                            48 /* hnswlib label_lookup_ entry */ + 72 /* our id map entry */;
  const uint64_t per_capacity = sizeof(std::mutex) + sizeof(int) + sizeof(char*) + 2 * sizeof(std::string) +
                                sizeof(uint32_t);
  stats.memory_bytes = stats.slots * per_slot + stats.capacity * per_capacity + id_bytes_.load();
  return stats;
}

Status VectorIndex::ValidateBatch(const AddBatch& batch) const {
  const size_t dimension = params_.dimension;
  if (batch.dimension != dimension) {
    return Status::InvalidArgument("the vectors have " + std::to_string(batch.dimension) +
                                       " dimensions; index \"" + params_.name + "\" has " + std::to_string(dimension),
                                   "dimension_mismatch");
  }
  if (batch.vectors.size() != batch.size() * dimension || batch.metadata.size() != batch.size()) {
    return Status::Internal("malformed batch: sizes of ids, vectors and metadata disagree");
  }
  std::unordered_set<std::string_view> seen;
  seen.reserve(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    const std::string& id = batch.ids[i];
    if (id.empty()) return ItemError(i, id, "the id is empty");
    if (id.size() > kMaxVectorIdBytes) {
      return ItemError(i, id, "the id is longer than " + std::to_string(kMaxVectorIdBytes) + " bytes");
    }
    if (!IsValidUtf8(id)) return ItemError(i, id, "the id is not valid UTF-8");
    if (!seen.insert(id).second) return ItemError(i, id, "the id appears more than once in the batch");
    std::string problem = VectorProblem(&batch.vectors[i * dimension], dimension, params_.metric, params_.storage);
    if (!problem.empty()) return ItemError(i, id, problem);
  }
  return Status::Ok();
}

Status VectorIndex::EnsureCapacity(size_t extra_slots) {
  const size_t needed = graph_->cur_element_count + extra_slots;
  const size_t capacity = graph_->max_elements_;
  if (needed <= capacity) return Status::Ok();
  const size_t grown = std::max(needed, capacity + std::max<size_t>(capacity / 2, kInitialCapacity));
  std::unique_lock<std::shared_mutex> graph_lock(graph_mutex_);
  try {
    graph_->resizeIndex(grown);
  } catch (const std::exception& e) {
    return Status::Unavailable(std::string("cannot grow the index: ") + e.what(), "out_of_memory");
  }
  ResizeLabelTables(grown);
  return Status::Ok();
}

Result<AddOutcome> VectorIndex::Add(const AddBatch& batch) {
  LH_RETURN_IF_ERROR(ValidateBatch(batch));
  std::lock_guard<std::mutex> mutation_lock(mutation_mutex_);
  const size_t n = batch.size();
  const size_t dimension = params_.dimension;

  // Existing IDs are updated in place; new IDs take a free label (its slot is
  // reused) or a brand-new label (a new slot). Only the last kind runs
  // alongside searches.
  enum Kind : uint8_t { kNewSlot, kUpdate, kReuse };
  std::vector<uint32_t> labels(n);
  std::vector<Kind> kinds(n);
  size_t new_slots = 0;
  {
    std::lock_guard<std::mutex> ids_lock(ids_mutex_);
    size_t free_left = free_labels_.size();
    for (size_t i = 0; i < n; ++i) {
      auto it = id_to_label_.find(batch.ids[i]);
      if (it != id_to_label_.end()) {
        kinds[i] = kUpdate;
        labels[i] = it->second;
      } else if (free_left > 0) {
        kinds[i] = kReuse;
        labels[i] = free_labels_[--free_left];
      } else {
        kinds[i] = kNewSlot;
        ++new_slots;
      }
    }
  }
  LH_RETURN_IF_ERROR(EnsureCapacity(new_slots));
  AddOutcome outcome;
  std::vector<size_t> exclusive_items, shared_items;
  {
    std::lock_guard<std::mutex> ids_lock(ids_mutex_);
    for (size_t i = 0; i < n; ++i) {
      if (kinds[i] == kNewSlot) {
        labels[i] = next_label_++;
        shared_items.push_back(i);
      } else {
        if (kinds[i] == kReuse) free_labels_.pop_back();
        exclusive_items.push_back(i);
      }
      (kinds[i] == kUpdate ? outcome.updated : outcome.added)++;
    }
  }

  auto insert = [&](size_t i) -> Status {
    thread_local std::vector<float> prepared;
    thread_local std::vector<char> encoded;
    prepared.resize(dimension);
    encoded.resize(space_->data_size());
    PrepareVector(params_.metric, &batch.vectors[i * dimension], dimension, prepared.data());
    space_->Encode(prepared.data(), encoded.data());
    const uint32_t label = labels[i];
    if (kinds[i] != kUpdate) {
      id_bytes_ += batch.ids[i].size() + (batch.metadata[i] ? batch.metadata[i]->size() : 0);
      label_ids_[label] = batch.ids[i];
      label_metadata_[label] = batch.metadata[i].value_or("");
    } else if (batch.metadata[i]) {
      label_metadata_[label] = *batch.metadata[i];
    }
    std::unique_lock<std::mutex> label_lock(graph_->getLabelOpMutex(label));
    tableint slot = graph_->addPoint(encoded.data(), label, -1);
    label_lock.unlock();
    if (kinds[i] == kNewSlot) {
      std::lock_guard<std::mutex> ids_lock(ids_mutex_);
      label_slot_[label] = slot;
      id_to_label_[batch.ids[i]] = label;
    }
    return Status::Ok();
  };

  Status status;
  if (!exclusive_items.empty()) {
    // One thread: hnswlib's updatePoint rewrites a vector in place while
    // concurrent updates may be measuring distances to it (TSan shows the race).
    std::unique_lock<std::shared_mutex> graph_lock(graph_mutex_);
    status = ParallelFor(exclusive_items.size(), 1, [&](size_t j) { return insert(exclusive_items[j]); });
    if (status.ok()) {
      std::lock_guard<std::mutex> ids_lock(ids_mutex_);
      for (size_t i : exclusive_items) id_to_label_[batch.ids[i]] = labels[i];
    }
  }
  if (status.ok() && !shared_items.empty()) {
    std::shared_lock<std::shared_mutex> graph_lock(graph_mutex_);
    status = ParallelFor(shared_items.size(), insert_threads_, [&](size_t j) { return insert(shared_items[j]); });
  }
  ++mutations_;
  // Validation ran first, so only resource failures (memory) reach here.
  if (!status.ok()) return status.WithContext("the batch was partly applied");
  return outcome;
}

DeleteOutcome VectorIndex::Delete(const std::vector<std::string>& ids) {
  std::lock_guard<std::mutex> mutation_lock(mutation_mutex_);
  std::unique_lock<std::shared_mutex> graph_lock(graph_mutex_);
  std::lock_guard<std::mutex> ids_lock(ids_mutex_);
  DeleteOutcome outcome;
  for (const auto& id : ids) {
    auto it = id_to_label_.find(id);
    if (it == id_to_label_.end()) {
      outcome.missing.push_back(id);
      continue;
    }
    const uint32_t label = it->second;
    graph_->markDelete(label);
    id_bytes_ -= label_ids_[label].size() + label_metadata_[label].size();
    std::string().swap(label_ids_[label]);
    std::string().swap(label_metadata_[label]);
    free_labels_.push_back(label);
    id_to_label_.erase(it);
    ++outcome.deleted;
  }
  if (outcome.deleted > 0) ++mutations_;
  return outcome;
}

bool VectorIndex::Contains(const std::string& id) const {
  std::lock_guard<std::mutex> ids_lock(ids_mutex_);
  return id_to_label_.count(id) > 0;
}

Result<ItemCopy> VectorIndex::Get(const std::string& id) const {
  std::shared_lock<std::shared_mutex> graph_lock(graph_mutex_);
  uint32_t label;
  {
    std::lock_guard<std::mutex> ids_lock(ids_mutex_);
    auto it = id_to_label_.find(id);
    if (it == id_to_label_.end()) {
      return Status::NotFound("no item " + QuotedId(id) + " in index \"" + params_.name + "\"", "item_not_found");
    }
    label = it->second;
  }
  ItemCopy copy;
  copy.vector.resize(params_.dimension);
  space_->Decode(graph_->getDataByInternalId(label_slot_[label]), copy.vector.data());
  copy.metadata = label_metadata_[label];
  return copy;
}

std::vector<std::pair<float, uint32_t>> VectorIndex::GraphSearch(
    const char* query, size_t k, size_t ef, const std::function<bool(uint32_t)>* allowed) const {
  const Graph& g = *graph_;
  std::vector<std::pair<float, uint32_t>> out;
  if (g.cur_element_count == 0) return out;
  tableint entry;
  int max_level;
  {
    std::lock_guard<std::mutex> global(const_cast<Graph&>(g).global);
    entry = g.enterpoint_node_;
    max_level = g.maxlevel_;
  }
  if (entry == static_cast<tableint>(-1)) return out;
  auto distance = [&](tableint node) { return g.fstdistfunc_(query, g.getDataByInternalId(node), g.dist_func_param_); };

  std::vector<tableint> neighbours;
  tableint current = entry;
  float current_distance = distance(current);
  for (int level = max_level; level > 0; --level) {
    bool changed = true;
    while (changed) {
      changed = false;
      CopyNeighbours(g, current, level, neighbours);
      for (tableint candidate : neighbours) {
        float d = distance(candidate);
        if (d < current_distance) {
          current_distance = d;
          current = candidate;
          changed = true;
        }
      }
    }
  }

  const bool has_deletions = g.num_deleted_ > 0;
  auto accepted = [&](tableint node) {
    if (has_deletions && g.isMarkedDeleted(node)) return false;
    return !allowed || (*allowed)(static_cast<uint32_t>(g.getExternalLabel(node)));
  };
  using Entry = std::pair<float, tableint>;
  std::priority_queue<Entry> top;  // farthest on top
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> frontier;  // nearest on top
  ReturnVisitedList visited_guard(*g.visited_list_pool_);
  hnswlib::vl_type* visited = visited_guard.get()->mass;
  const hnswlib::vl_type tag = visited_guard.get()->curV;

  float lower_bound = std::numeric_limits<float>::max();
  if (accepted(current)) {
    top.emplace(current_distance, current);
    lower_bound = current_distance;
  }
  frontier.emplace(current_distance, current);
  visited[current] = tag;
  while (!frontier.empty()) {
    auto [d, node] = frontier.top();
    if (d > lower_bound && top.size() == ef) break;
    frontier.pop();
    CopyNeighbours(g, node, 0, neighbours);
    for (tableint candidate : neighbours) {
      if (visited[candidate] == tag) continue;
      visited[candidate] = tag;
      float cd = distance(candidate);
      if (top.size() < ef || cd < lower_bound) {
        frontier.emplace(cd, candidate);
        if (accepted(candidate)) {
          top.emplace(cd, candidate);
          if (top.size() > ef) top.pop();
        }
        if (!top.empty()) lower_bound = top.top().first;
      }
    }
  }
  while (top.size() > k) top.pop();
  out.resize(top.size());
  for (size_t i = out.size(); i-- > 0;) {
    out[i] = {top.top().first, static_cast<uint32_t>(g.getExternalLabel(top.top().second))};
    top.pop();
  }
  return out;
}

std::vector<std::pair<float, uint32_t>> VectorIndex::ExactSearch(const char* query, size_t k,
                                                                 const std::vector<uint32_t>& labels) const {
  const Graph& g = *graph_;
  std::priority_queue<std::pair<float, uint32_t>> top;
  for (uint32_t label : labels) {
    float d = g.fstdistfunc_(query, g.getDataByInternalId(label_slot_[label]), g.dist_func_param_);
    if (top.size() < k) top.emplace(d, label);
    else if (d < top.top().first) {
      top.pop();
      top.emplace(d, label);
    }
  }
  std::vector<std::pair<float, uint32_t>> out(top.size());
  for (size_t i = out.size(); i-- > 0;) {
    out[i] = top.top();
    top.pop();
  }
  return out;
}

Result<std::vector<SearchHit>> VectorIndex::Search(const SearchRequest& request) const {
  if (request.k < 1 || request.k > kMaxSearchK) {
    return Status::InvalidArgument("k must be between 1 and " + std::to_string(kMaxSearchK), "bad_request");
  }
  if (request.ef_search > 10000) return Status::InvalidArgument("ef_search must be at most 10000", "bad_request");
  const size_t dimension = params_.dimension;
  std::string problem = VectorProblem(request.vector, dimension, params_.metric, params_.storage);
  if (!problem.empty()) return Status::InvalidArgument("the query vector: " + problem, "invalid_vector");
  std::vector<float> prepared(dimension);
  PrepareVector(params_.metric, request.vector, dimension, prepared.data());
  std::vector<char> query(space_->data_size());
  space_->Encode(prepared.data(), query.data());
  const size_t k = request.k;
  const size_t ef = std::max<size_t>(request.ef_search ? request.ef_search : params_.ef_search, k);

  std::shared_lock<std::shared_mutex> graph_lock(graph_mutex_);
  std::vector<std::pair<float, uint32_t>> found;
  if (request.allowed_ids) {
    std::vector<uint32_t> labels;
    size_t live;
    {
      std::lock_guard<std::mutex> ids_lock(ids_mutex_);
      live = id_to_label_.size();
      labels.reserve(request.allowed_ids->size());
      for (const auto& id : *request.allowed_ids) {
        auto it = id_to_label_.find(id);
        if (it != id_to_label_.end()) labels.push_back(it->second);
      }
    }
    // Scanning a small candidate set exactly is cheaper than a filtered walk,
    // which visits about ef / selectivity nodes, and it never misses.
    if (labels.size() <= std::max<size_t>(4096, live / 50)) {
      found = ExactSearch(query.data(), k, labels);
    } else {
      uint32_t max_label = 0;
      for (uint32_t label : labels) max_label = std::max(max_label, label);
      std::vector<bool> allowed_labels(static_cast<size_t>(max_label) + 1, false);
      for (uint32_t label : labels) allowed_labels[label] = true;
      std::function<bool(uint32_t)> allowed = [&](uint32_t label) {
        return label < allowed_labels.size() && allowed_labels[label];
      };
      found = GraphSearch(query.data(), k, ef, &allowed);
    }
  } else if (request.filter) {
    std::function<bool(uint32_t)> allowed = [&](uint32_t label) {
      return request.filter->Matches(label_metadata_[label]);
    };
    found = GraphSearch(query.data(), k, ef, &allowed);
    if (found.size() < k) {
      // The walk can miss matches it cannot reach; a scan settles it.
      std::vector<uint32_t> labels;
      {
        std::lock_guard<std::mutex> ids_lock(ids_mutex_);
        for (const auto& [id, label] : id_to_label_) {
          if (request.filter->Matches(label_metadata_[label])) labels.push_back(label);
        }
      }
      found = ExactSearch(query.data(), k, labels);
    }
  } else {
    found = GraphSearch(query.data(), k, ef, nullptr);
  }
  std::vector<SearchHit> hits;
  hits.reserve(found.size());
  for (const auto& [distance, label] : found) {
    hits.push_back({label_ids_[label], distance, label_metadata_[label]});
  }
  return hits;
}

Result<uint64_t> VectorIndex::WriteSnapshot(const ByteSink& graph_sink, const ByteSink& items_sink) const {
  std::lock_guard<std::mutex> mutation_lock(mutation_mutex_);
  std::shared_lock<std::shared_mutex> graph_lock(graph_mutex_);
  const Graph& g = *graph_;
  const size_t count = g.cur_element_count;

  // hnswlib's saveIndex layout, field for field, so that loadIndex reads it.
  std::string buffer;
  AppendPod(buffer, g.offsetLevel0_);
  AppendPod(buffer, std::max<size_t>(count, 1));  // max_elements: capacity grows again on demand
  AppendPod(buffer, count);
  AppendPod(buffer, g.size_data_per_element_);
  AppendPod(buffer, g.label_offset_);
  AppendPod(buffer, g.offsetData_);
  AppendPod(buffer, g.maxlevel_);
  AppendPod(buffer, g.enterpoint_node_);
  AppendPod(buffer, g.maxM_);
  AppendPod(buffer, g.maxM0_);
  AppendPod(buffer, g.M_);
  AppendPod(buffer, g.mult_);
  AppendPod(buffer, g.ef_construction_);
  LH_RETURN_IF_ERROR(graph_sink(buffer));
  buffer.clear();
  const size_t level0_bytes = count * g.size_data_per_element_;
  constexpr size_t kPiece = 8u << 20;
  for (size_t offset = 0; offset < level0_bytes; offset += kPiece) {
    LH_RETURN_IF_ERROR(
        graph_sink(std::string_view(g.data_level0_memory_ + offset, std::min(kPiece, level0_bytes - offset))));
  }
  for (size_t i = 0; i < count; ++i) {
    const int level = g.element_levels_[i];
    const unsigned int size = level > 0 ? static_cast<unsigned int>(g.size_links_per_element_ * level) : 0;
    AppendPod(buffer, size);
    if (size) buffer.append(g.linkLists_[i], size);
    LH_RETURN_IF_ERROR(FlushIfLarge(buffer, graph_sink));
  }
  if (!buffer.empty()) LH_RETURN_IF_ERROR(graph_sink(buffer));
  buffer.clear();

  buffer.append(kItemsMagic, sizeof(kItemsMagic));
  AppendPod(buffer, kItemsVersion);
  AppendPod(buffer, static_cast<uint64_t>(next_label_));
  for (uint32_t label = 0; label < next_label_; ++label) {
    AppendPod(buffer, static_cast<uint32_t>(label_ids_[label].size()));
    buffer += label_ids_[label];
    AppendPod(buffer, static_cast<uint32_t>(label_metadata_[label].size()));
    buffer += label_metadata_[label];
    LH_RETURN_IF_ERROR(FlushIfLarge(buffer, items_sink));
  }
  if (!buffer.empty()) LH_RETURN_IF_ERROR(items_sink(buffer));
  return mutations_.load();
}

Result<std::unique_ptr<VectorIndex>> VectorIndex::LoadSnapshot(const IndexParams& params, int insert_threads,
                                                               const std::filesystem::path& graph_file,
                                                               const std::filesystem::path& items_file) {
  LH_RETURN_IF_ERROR(ValidateIndexParams(params));
  std::unique_ptr<VectorIndex> index(new VectorIndex(params, insert_threads));
  auto corrupt = [&](const std::string& what) {
    return Status::Internal("snapshot of index \"" + params.name + "\" is unreadable: " + what, "corrupt_snapshot");
  };
  try {
    index->graph_ = std::make_unique<Graph>(index->space_.get(), graph_file.string(), false, 0, false);
  } catch (const std::exception& e) {
    return corrupt(std::string("graph: ") + e.what());
  }
  Graph& g = *index->graph_;
  if (g.M_ != params.m || g.size_data_per_element_ != g.size_links_level0_ + index->space_->data_size() +
                                                           sizeof(hnswlib::labeltype)) {
    return corrupt("graph parameters do not match the index definition");
  }
  g.ef_construction_ = params.ef_construction;
  const size_t count = g.cur_element_count;
  index->ResizeLabelTables(g.max_elements_);

  std::ifstream items(items_file, std::ios::binary);
  if (!items) return corrupt("cannot open the items file");
  auto read = [&](void* out, size_t size) { return static_cast<bool>(items.read(static_cast<char*>(out), size)); };
  char magic[sizeof(kItemsMagic)];
  uint32_t version = 0;
  uint64_t labels = 0;
  if (!read(magic, sizeof(magic)) || std::memcmp(magic, kItemsMagic, sizeof(magic)) != 0 || !read(&version, 4) ||
      version != kItemsVersion || !read(&labels, 8)) {
    return corrupt("items file header");
  }
  if (labels != count) return corrupt("items and graph disagree on the number of slots");
  std::string text;
  for (uint32_t label = 0; label < labels; ++label) {
    auto slot_it = g.label_lookup_.find(label);
    if (slot_it == g.label_lookup_.end()) return corrupt("label " + std::to_string(label) + " is not in the graph");
    const tableint slot = slot_it->second;
    index->label_slot_[label] = slot;
    uint32_t id_size = 0, metadata_size = 0;
    if (!read(&id_size, 4) || id_size > kMaxVectorIdBytes) return corrupt("item " + std::to_string(label));
    text.resize(id_size);
    if (!read(text.data(), id_size)) return corrupt("item " + std::to_string(label));
    const bool live = id_size > 0;
    if (live == g.isMarkedDeleted(slot)) return corrupt("deleted flags disagree at label " + std::to_string(label));
    index->label_ids_[label] = text;
    if (!read(&metadata_size, 4) || metadata_size > (64u << 20)) return corrupt("item " + std::to_string(label));
    text.resize(metadata_size);
    if (!read(text.data(), metadata_size)) return corrupt("item " + std::to_string(label));
    index->label_metadata_[label] = text;
    index->id_bytes_ += id_size + metadata_size;
    if (live) {
      if (!index->id_to_label_.emplace(index->label_ids_[label], label).second) {
        return corrupt("duplicate id at label " + std::to_string(label));
      }
    } else {
      index->free_labels_.push_back(label);
    }
  }
  if (items.peek() != std::char_traits<char>::eof()) return corrupt("trailing bytes in the items file");
  index->next_label_ = static_cast<uint32_t>(labels);
  return index;
}

}  // namespace lakehouse
