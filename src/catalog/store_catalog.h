// Catalog persisted in an ObjectStore, one manifest object per dataset, held
// in memory for reads. Registers are serialised: each writes its manifest to
// the store and only then publishes it in memory.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>

#include "catalog/catalog.h"
#include "core/time.h"
#include "storage/object_store.h"

namespace lakehouse {

class StoreCatalog final : public Catalog {
 public:
  // Loads every manifest under _catalog/manifests/. One corrupt manifest is
  // logged and reported by Problems(); the others load. Fails only when the
  // store cannot be listed.
  static Result<std::unique_ptr<StoreCatalog>> Open(ObjectStore& store);

  Result<RegisterResult> Register(const RegisterRequest& request) override;
  Result<Manifest> Get(std::string_view name) override;
  Result<std::vector<Manifest>> List() override;
  Result<uint64_t> Generation() override;
  std::vector<CatalogProblem> Problems() override;

 private:
  explicit StoreCatalog(ObjectStore& store) : store_(store) {}
  Status Validate(const RegisterRequest& request);

  ObjectStore& store_;
  std::mutex register_mu_;  // serialises Register across its store write
  mutable std::shared_mutex mu_;
  std::map<std::string, Manifest, std::less<>> manifests_;  // GUARDED_BY(mu_)
  std::vector<CatalogProblem> problems_;                    // GUARDED_BY(mu_)
  // Starts from the clock so that a restarted catalog never repeats a value a
  // remote follower (queryd in split mode) has already seen.
  uint64_t generation_ = static_cast<uint64_t>(NowUnixMillis()) * 1000;  // GUARDED_BY(mu_)
};

}  // namespace lakehouse
