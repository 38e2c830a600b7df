#include "vector/registry.h"

#include <fcntl.h>

#include <chrono>

#include "core/files.h"
#include "core/hash.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/time.h"

namespace lakehouse {
namespace {

constexpr std::string_view kPrefix = "vectors/";
constexpr std::string_view kFormat = "lakehouse.vector-index";
constexpr int kFormatVersion = 1;

std::string DefinitionKey(std::string_view name) { return std::string(kPrefix) + std::string(name) + "/index.json"; }
std::string SnapshotPrefix(std::string_view name) {
  return std::string(kPrefix) + std::string(name) + "/snapshots/";
}

// A staged snapshot file: written in large blocks while hashed.
class StagedFile {
 public:
  static Result<StagedFile> Create(const std::filesystem::path& dir, std::string_view prefix) {
    StagedFile file;
    file.temp_ = TempPath(UniqueTempName(dir, prefix));
    file.fd_ = UniqueFd(::open(file.temp_.path().c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!file.fd_.valid()) return Status::FromErrno("create", file.temp_.path().string(), errno);
    file.writer_ = std::make_unique<BlockWriter>(file.fd_.get(), file.temp_.path(), 4u << 20);
    file.hash_ = std::make_unique<Sha256>();
    return file;
  }
  ByteSink Sink() {
    return [this](std::string_view piece) {
      hash_->Update(piece);
      bytes_ += piece.size();
      return writer_->Append(piece);
    };
  }
  Status Finish() {
    LH_RETURN_IF_ERROR(writer_->Flush());
    sha256_ = hash_->FinishHex();
    return Status::Ok();
  }
  const std::filesystem::path& path() const { return temp_.path(); }
  uint64_t bytes() const { return bytes_; }
  const std::string& sha256() const { return sha256_; }

 private:
  TempPath temp_;
  UniqueFd fd_;
  std::unique_ptr<BlockWriter> writer_;
  std::unique_ptr<Sha256> hash_;
  uint64_t bytes_ = 0;
  std::string sha256_;
};

// A local copy of key (pinned while *file lives) whose size and checksum match.
Status VerifyObject(ObjectStore& store, const std::string& key, uint64_t bytes, const std::string& sha256,
                    LocalFile* file) {
  LH_ASSIGN_OR_RETURN(*file, store.LocalCopy(key));
  std::error_code ec;
  uint64_t size = std::filesystem::file_size(file->path, ec);
  if (ec || size != bytes) return Status::Internal(key + " has the wrong size", "corrupt_snapshot");
  LH_ASSIGN_OR_RETURN(std::string actual, Sha256FileHex(file->path));
  if (actual != sha256) return Status::Internal(key + " fails its checksum", "corrupt_snapshot");
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<VectorRegistry>> VectorRegistry::Open(ObjectStore& store, VectorRegistryOptions options) {
  std::unique_ptr<VectorRegistry> registry(new VectorRegistry(store, std::move(options)));
  std::error_code ec;
  std::filesystem::create_directories(registry->options_.work_dir, ec);
  if (ec) return Status::Internal("create " + registry->options_.work_dir.string() + ": " + ec.message(), "io_error");
  LH_RETURN_IF_ERROR(registry->LoadAll());
  if (registry->options_.save_interval_s > 0) {
    registry->saver_ = std::thread([r = registry.get()] { r->SaverLoop(); });
  }
  return registry;
}

VectorRegistry::~VectorRegistry() { StopBackgroundSaves(); }

void VectorRegistry::StopBackgroundSaves() {
  {
    std::lock_guard<std::mutex> lock(saver_mutex_);
    saver_stop_ = true;
  }
  saver_wake_.notify_all();
  if (saver_.joinable()) saver_.join();
}

void VectorRegistry::SaverLoop() {
  std::unique_lock<std::mutex> lock(saver_mutex_);
  while (!saver_stop_) {
    saver_wake_.wait_for(lock, std::chrono::seconds(options_.save_interval_s));
    if (saver_stop_) break;
    lock.unlock();
    Status status = SaveChanged();
    if (!status.ok()) log::Warn("vector_save_failed", {{"error", status.message()}});
    lock.lock();
  }
}

Status VectorRegistry::LoadAll() {
  LH_ASSIGN_OR_RETURN(auto objects, ListAll(store_, kPrefix));
  for (const auto& object : objects) {
    std::string_view key = object.key;
    const std::string_view suffix = "/index.json";
    if (key.size() <= kPrefix.size() + suffix.size() || !key.ends_with(suffix)) continue;
    std::string name(key.substr(kPrefix.size(), key.size() - kPrefix.size() - suffix.size()));
    if (name.find('/') != std::string::npos) continue;
    auto started = std::chrono::steady_clock::now();
    auto text = GetString(store_, key);
    Result<std::shared_ptr<Entry>> entry = text.ok() ? LoadOne(name, *text) : Result<std::shared_ptr<Entry>>(text.status());
    if (!entry.ok()) {
      log::Error("vector_index_unreadable", {{"index", name}, {"error", entry.status().message()}});
      problems_.push_back({name, entry.status().message()});
      continue;
    }
    double ms = MillisSince(started);
    log::Info("vector_index_loaded", {{"index", name}, {"count", (*entry)->index->Stats().count}, {"load_ms", std::round(ms)}});
    entries_[name] = std::move(*entry);
  }
  return Status::Ok();
}

Result<std::shared_ptr<VectorRegistry::Entry>> VectorRegistry::LoadOne(const std::string& name,
                                                                       const std::string& text) {
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (!doc.is_object() || doc.value("format", "") != kFormat || doc.value("format_version", 0) != kFormatVersion) {
    return Status::Internal("index.json is not a version-1 lakehouse vector index definition", "corrupt_snapshot");
  }
  auto params = IndexParamsFromJson(doc.value("params", nlohmann::json()));
  if (!params.ok()) return params.status().WithContext("index.json params");
  if (params->name != name) return Status::Internal("index.json names another index", "corrupt_snapshot");
  auto entry = std::make_shared<Entry>();
  entry->created_at_ms = doc.value("created_at_ms", int64_t{0});
  entry->source = doc.value("source", nlohmann::json());
  const nlohmann::json& snapshot = doc.value("snapshot", nlohmann::json());
  if (snapshot.is_null()) {
    LH_ASSIGN_OR_RETURN(auto index, VectorIndex::Create(*params, options_.insert_threads));
    entry->index = std::move(index);
    return entry;
  }
  SnapshotRecord record;
  try {
    record.generation = snapshot.at("generation").get<uint64_t>();
    record.graph_key = snapshot.at("graph").at("key").get<std::string>();
    record.graph_bytes = snapshot.at("graph").at("bytes").get<uint64_t>();
    record.graph_sha256 = snapshot.at("graph").at("sha256").get<std::string>();
    record.items_key = snapshot.at("items").at("key").get<std::string>();
    record.items_bytes = snapshot.at("items").at("bytes").get<uint64_t>();
    record.items_sha256 = snapshot.at("items").at("sha256").get<std::string>();
    record.count = snapshot.at("count").get<uint64_t>();
    record.saved_at_ms = snapshot.at("saved_at_ms").get<int64_t>();
  } catch (const std::exception& e) {
    return Status::Internal(std::string("index.json snapshot: ") + e.what(), "corrupt_snapshot");
  }
  LocalFile graph, items;
  LH_RETURN_IF_ERROR(VerifyObject(store_, record.graph_key, record.graph_bytes, record.graph_sha256, &graph));
  LH_RETURN_IF_ERROR(VerifyObject(store_, record.items_key, record.items_bytes, record.items_sha256, &items));
  LH_ASSIGN_OR_RETURN(auto index, VectorIndex::LoadSnapshot(*params, options_.insert_threads, graph.path, items.path));
  entry->index = std::move(index);
  entry->saved_mutations = entry->index->Stats().mutations;
  entry->snapshot = record;
  return entry;
}

Status VectorRegistry::WriteDefinition(const std::string& name, const Entry& entry) {
  nlohmann::json snapshot = nullptr;
  if (entry.snapshot) {
    const SnapshotRecord& r = *entry.snapshot;
    snapshot = {{"generation", r.generation},
                {"graph", {{"key", r.graph_key}, {"bytes", r.graph_bytes}, {"sha256", r.graph_sha256}}},
                {"items", {{"key", r.items_key}, {"bytes", r.items_bytes}, {"sha256", r.items_sha256}}},
                {"count", r.count},
                {"saved_at_ms", r.saved_at_ms}};
  }
  nlohmann::json doc = {{"format", kFormat},
                        {"format_version", kFormatVersion},
                        {"params", IndexParamsToJson(entry.index->params())},
                        {"created_at_ms", entry.created_at_ms},
                        {"source", entry.source},
                        {"snapshot", snapshot}};
  return PutString(store_, DefinitionKey(name), doc.dump(2));
}

Result<nlohmann::json> VectorRegistry::Create(const IndexParams& params, const nlohmann::json& source) {
  LH_RETURN_IF_ERROR(ValidateIndexParams(params));
  std::lock_guard<std::mutex> create_lock(create_mutex_);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (entries_.count(params.name)) {
      return Status::Conflict("index \"" + params.name + "\" already exists", "index_exists");
    }
    for (const auto& problem : problems_) {
      if (problem.name == params.name) {
        return Status::Conflict("index \"" + params.name + "\" exists but is unreadable (" + problem.error +
                                    "); delete it first",
                                "index_exists");
      }
    }
  }
  auto entry = std::make_shared<Entry>();
  LH_ASSIGN_OR_RETURN(auto index, VectorIndex::Create(params, options_.insert_threads));
  entry->index = std::move(index);
  entry->created_at_ms = NowUnixMillis();
  entry->source = source;
  {
    std::lock_guard<std::mutex> save_lock(entry->save_mutex);
    LH_RETURN_IF_ERROR(WriteDefinition(params.name, *entry));
  }
  log::Info("vector_index_created", {{"index", params.name}, {"params", IndexParamsToJson(params)}});
  std::lock_guard<std::mutex> lock(mutex_);
  entries_[params.name] = entry;
  return DescribeEntry(params.name, *entry);
}

Result<std::shared_ptr<VectorRegistry::Entry>> VectorRegistry::FindEntry(std::string_view name) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(name);
  if (it != entries_.end()) return it->second;
  for (const auto& problem : problems_) {
    if (problem.name == name) {
      return Status::Unavailable("index \"" + std::string(name) + "\" could not be loaded: " + problem.error,
                                 "index_unreadable");
    }
  }
  return Status::NotFound("no vector index named \"" + std::string(name) + "\"", "index_not_found");
}

Result<nlohmann::json> VectorRegistry::Source(std::string_view name) const {
  LH_ASSIGN_OR_RETURN(auto entry, FindEntry(name));
  return entry->source;
}

Result<std::shared_ptr<VectorIndex>> VectorRegistry::Find(std::string_view name) const {
  LH_ASSIGN_OR_RETURN(auto entry, FindEntry(name));
  return entry->index;
}

nlohmann::json VectorRegistry::DescribeEntry(const std::string& name, Entry& entry) const {
  IndexStats stats = entry.index->Stats();
  nlohmann::json out = IndexParamsToJson(entry.index->params());
  out["name"] = name;
  out["count"] = stats.count;
  out["slots"] = stats.slots;
  out["capacity"] = stats.capacity;
  out["memory_bytes"] = stats.memory_bytes;
  out["created_at"] = FormatRfc3339Millis(entry.created_at_ms);
  out["source"] = entry.source;
  std::lock_guard<std::mutex> save_lock(entry.save_mutex);
  out["unsaved_changes"] = stats.mutations != entry.saved_mutations;
  if (entry.snapshot) {
    out["persisted"] = {{"generation", entry.snapshot->generation},
                        {"count", entry.snapshot->count},
                        {"bytes", entry.snapshot->graph_bytes + entry.snapshot->items_bytes},
                        {"saved_at", FormatRfc3339Millis(entry.snapshot->saved_at_ms)}};
  } else {
    out["persisted"] = nullptr;
  }
  return out;
}

Result<nlohmann::json> VectorRegistry::Describe(std::string_view name) const {
  LH_ASSIGN_OR_RETURN(auto entry, FindEntry(name));
  return DescribeEntry(std::string(name), *entry);
}

std::vector<nlohmann::json> VectorRegistry::DescribeAll() const {
  std::vector<std::pair<std::string, std::shared_ptr<Entry>>> entries;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [name, entry] : entries_) entries.emplace_back(name, entry);
  }
  std::vector<nlohmann::json> out;
  for (auto& [name, entry] : entries) out.push_back(DescribeEntry(name, *entry));
  return out;
}

size_t VectorRegistry::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

std::vector<IndexProblem> VectorRegistry::Problems() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return problems_;
}

Status VectorRegistry::Drop(std::string_view name) {
  std::lock_guard<std::mutex> create_lock(create_mutex_);
  std::shared_ptr<Entry> entry;
  bool was_problem = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(name);
    if (it != entries_.end()) {
      entry = it->second;
    } else {
      for (const auto& problem : problems_) was_problem |= problem.name == name;
      if (!was_problem) return Status::NotFound("no vector index named \"" + std::string(name) + "\"", "index_not_found");
    }
  }
  std::unique_lock<std::mutex> save_lock;
  if (entry) {
    save_lock = std::unique_lock<std::mutex>(entry->save_mutex);
    entry->dropped = true;
  }
  // The definition goes first: a crash part-way leaves unreferenced
  // snapshot objects, never an index pointing at missing ones.
  Status status = store_.Delete(DefinitionKey(name));
  if (!status.ok() && status.code() != StatusCode::kNotFound) {
    if (entry) entry->dropped = false;
    return status;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    entries_.erase(std::string(name));
    std::erase_if(problems_, [&](const IndexProblem& p) { return p.name == name; });
  }
  auto leftovers = ListAll(store_, SnapshotPrefix(name));
  if (leftovers.ok()) {
    for (const auto& object : *leftovers) (void)store_.Delete(object.key);
  }
  log::Info("vector_index_dropped", {{"index", std::string(name)}});
  return Status::Ok();
}

Result<nlohmann::json> VectorRegistry::Save(std::string_view name) {
  LH_ASSIGN_OR_RETURN(auto entry, FindEntry(name));
  LH_RETURN_IF_ERROR(SaveEntry(std::string(name), *entry).status());
  return DescribeEntry(std::string(name), *entry);
}

Result<nlohmann::json> VectorRegistry::SaveEntry(const std::string& name, Entry& entry) {
  std::lock_guard<std::mutex> save_lock(entry.save_mutex);
  if (entry.dropped) return Status::NotFound("index \"" + name + "\" was deleted", "index_not_found");
  auto started = std::chrono::steady_clock::now();
  LH_ASSIGN_OR_RETURN(StagedFile graph, StagedFile::Create(options_.work_dir, "graph-"));
  LH_ASSIGN_OR_RETURN(StagedFile items, StagedFile::Create(options_.work_dir, "items-"));
  LH_ASSIGN_OR_RETURN(uint64_t mutations, entry.index->WriteSnapshot(graph.Sink(), items.Sink()));
  const uint64_t count = entry.index->Stats().count;
  LH_RETURN_IF_ERROR(graph.Finish());
  LH_RETURN_IF_ERROR(items.Finish());
  double write_ms = MillisSince(started);

  SnapshotRecord record;
  record.generation = entry.snapshot ? entry.snapshot->generation + 1 : 1;
  const std::string prefix = SnapshotPrefix(name) + std::to_string(record.generation) + "/";
  record.graph_key = prefix + "graph.hnsw";
  record.items_key = prefix + "items.bin";
  record.graph_bytes = graph.bytes();
  record.items_bytes = items.bytes();
  record.graph_sha256 = graph.sha256();
  record.items_sha256 = items.sha256();
  record.count = count;
  record.saved_at_ms = NowUnixMillis();
  LH_RETURN_IF_ERROR(store_.PutFile(record.graph_key, graph.path()));
  LH_RETURN_IF_ERROR(store_.PutFile(record.items_key, items.path()));

  std::optional<SnapshotRecord> previous = entry.snapshot;
  entry.snapshot = record;
  Status switched = WriteDefinition(name, entry);
  if (!switched.ok()) {
    entry.snapshot = previous;
    (void)store_.Delete(record.graph_key);
    (void)store_.Delete(record.items_key);
    return switched;
  }
  entry.saved_mutations = mutations;
  // Older generations (and any a crash left behind) are no longer referenced.
  auto objects = ListAll(store_, SnapshotPrefix(name));
  if (objects.ok()) {
    for (const auto& object : *objects) {
      if (!object.key.starts_with(prefix)) (void)store_.Delete(object.key);
    }
  }
  double total_ms = MillisSince(started);
  log::Info("vector_index_saved", {{"index", name},
                                   {"generation", record.generation},
                                   {"count", count},
                                   {"bytes", record.graph_bytes + record.items_bytes},
                                   {"write_ms", std::round(write_ms)},
                                   {"total_ms", std::round(total_ms)}});
  return nlohmann::json{{"generation", record.generation}};
}

Status VectorRegistry::SaveChanged() {
  std::vector<std::pair<std::string, std::shared_ptr<Entry>>> entries;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [name, entry] : entries_) entries.emplace_back(name, entry);
  }
  Status first;
  for (auto& [name, entry] : entries) {
    bool changed;
    {
      std::lock_guard<std::mutex> save_lock(entry->save_mutex);
      changed = !entry->dropped && entry->index->Stats().mutations != entry->saved_mutations;
    }
    if (!changed) continue;
    auto saved = SaveEntry(name, *entry);
    if (!saved.ok() && first.ok() && saved.status().code() != StatusCode::kNotFound) first = saved.status();
  }
  return first;
}

}  // namespace lakehouse
