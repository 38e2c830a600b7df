#include "catalog/store_catalog.h"

#include <set>

#include "core/ids.h"
#include "core/log.h"
#include "core/time.h"

namespace lakehouse {

Result<std::unique_ptr<StoreCatalog>> StoreCatalog::Open(ObjectStore& store) {
  std::unique_ptr<StoreCatalog> catalog(new StoreCatalog(store));
  LH_ASSIGN_OR_RETURN(auto objects, ListAll(store, kManifestPrefix));
  for (const auto& object : objects) {
    auto text = GetString(store, object.key);
    Status problem;
    if (!text.ok()) {
      problem = text.status();
    } else {
      auto manifest = ParseStoredManifest(*text);
      if (!manifest.ok()) {
        problem = manifest.status();
      } else if (ManifestKey(manifest->name) != object.key) {
        problem = Status::InvalidArgument("manifest names dataset " + manifest->name + " but is stored elsewhere",
                                          "bad_manifest");
      } else {
        std::string name = manifest->name;
        catalog->manifests_.emplace(std::move(name), std::move(manifest).value());
        continue;
      }
    }
    log::Error("catalog_manifest_unreadable", {{"key", object.key}, {"error", problem.message()}});
    catalog->problems_.push_back({object.key, problem.message()});
  }
  log::Info("catalog_loaded", {{"datasets", catalog->manifests_.size()}, {"problems", catalog->problems_.size()}});
  return catalog;
}

Status StoreCatalog::Validate(const RegisterRequest& request) {
  LH_RETURN_IF_ERROR(ValidateDatasetName(request.name));
  if (request.columns.empty()) return Status::InvalidArgument("a dataset needs at least one column", "bad_schema");
  std::set<std::string> seen;
  for (const auto& column : request.columns) {
    if (column.name.empty() || column.type.empty()) {
      return Status::InvalidArgument("column names and types must not be empty", "bad_schema");
    }
    std::string lower;
    for (char c : column.name) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    if (!seen.insert(lower).second) {
      return Status::InvalidArgument("duplicate column name " + column.name, "bad_schema");
    }
  }
  if (request.schema_fingerprint != SchemaFingerprint(request.columns)) {
    return Status::InvalidArgument("schema_fingerprint does not match the columns", "bad_fingerprint");
  }
  const std::string prefix = "datasets/" + request.name + "/";
  std::set<std::string> keys;
  for (const auto& object : request.objects) {
    LH_RETURN_IF_ERROR(ValidateKey(object.key));
    if (object.key.compare(0, prefix.size(), prefix) != 0) {
      return Status::InvalidArgument("object " + object.key + " is not under " + prefix, "bad_object");
    }
    if (!keys.insert(object.key).second) {
      return Status::InvalidArgument("object " + object.key + " is listed twice", "bad_object");
    }
    auto info = store_.Head(object.key);
    if (!info.ok()) {
      if (info.status().code() == StatusCode::kNotFound) {
        return Status::InvalidArgument("object " + object.key + " does not exist in storage", "bad_object");
      }
      return info.status();
    }
    if (info->size != object.size) {
      return Status::InvalidArgument("object " + object.key + " has size " + std::to_string(info->size) +
                                         ", not " + std::to_string(object.size),
                                     "bad_object");
    }
  }
  return Status::Ok();
}

Result<RegisterResult> StoreCatalog::Register(const RegisterRequest& request) {
  LH_RETURN_IF_ERROR(Validate(request));
  std::lock_guard<std::mutex> register_lock(register_mu_);

  std::optional<Manifest> previous;
  {
    std::shared_lock lock(mu_);
    if (auto it = manifests_.find(request.name); it != manifests_.end()) previous = it->second;
  }

  RegisterResult result;
  Manifest& next = result.manifest;
  const int64_t now = NowUnixMillis();
  if (previous) {
    if (previous->schema_fingerprint != request.schema_fingerprint) {
      return Status::Conflict("dataset " + request.name + " exists with a different schema (fingerprint " +
                                  previous->schema_fingerprint.substr(0, 12) + "…, this one " +
                                  request.schema_fingerprint.substr(0, 12) + "…); the dataset is unchanged",
                              "schema_conflict");
    }
    result.existing = true;
    next = *previous;
    if (request.mode == RegisterMode::kAppend) {
      for (const auto& object : request.objects) {
        bool present = std::any_of(next.objects.begin(), next.objects.end(),
                                   [&](const DataObject& o) { return o.key == object.key; });
        if (!present) next.objects.push_back(object);  // re-appending the same object is a no-op
      }
    } else {
      next.objects = request.objects;
    }
    next.version = previous->version + 1;
    next.updated_at_ms = std::max(now, previous->updated_at_ms + 1);
  } else {
    next.dataset_id = DatasetIdForName(request.name);
    next.name = request.name;
    next.schema_fingerprint = request.schema_fingerprint;
    next.columns = request.columns;
    next.objects = request.objects;
    next.version = 1;
    next.created_at_ms = now;
    next.updated_at_ms = now;
  }
  next.row_count = 0;
  for (const auto& object : next.objects) next.row_count += object.rows;

  Status persisted = PutString(store_, ManifestKey(next.name), SerializeStoredManifest(next));
  if (!persisted.ok()) return persisted.WithContext("persist manifest of " + next.name);

  std::unique_lock lock(mu_);
  manifests_[next.name] = next;
  std::erase_if(problems_, [&](const CatalogProblem& p) { return p.key == ManifestKey(next.name); });
  ++generation_;
  return result;
}

Result<Manifest> StoreCatalog::Get(std::string_view name) {
  std::shared_lock lock(mu_);
  auto it = manifests_.find(name);
  if (it == manifests_.end()) return Status::NotFound("no dataset named " + std::string(name), "unknown_dataset");
  return it->second;
}

Result<std::vector<Manifest>> StoreCatalog::List() {
  std::shared_lock lock(mu_);
  std::vector<Manifest> out;
  out.reserve(manifests_.size());
  for (const auto& [name, manifest] : manifests_) out.push_back(manifest);
  return out;
}

Result<uint64_t> StoreCatalog::Generation() {
  std::shared_lock lock(mu_);
  return generation_;
}

std::vector<CatalogProblem> StoreCatalog::Problems() {
  std::shared_lock lock(mu_);
  return problems_;
}

}  // namespace lakehouse
