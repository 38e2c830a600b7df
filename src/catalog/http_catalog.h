// Catalog over a catalogd service (split mode). Generation() is one small
// request, so a queryd that checks it before every query sees every register
// acknowledged before that query (read-your-writes through the gateway).
#pragma once

#include <memory>
#include <string>

#include "catalog/catalog.h"

namespace lakehouse {

class HttpCatalog final : public Catalog {
 public:
  // base_url: "http://127.0.0.1:3212" (a path prefix is kept).
  static Result<std::unique_ptr<HttpCatalog>> Open(std::string base_url);

  Result<RegisterResult> Register(const RegisterRequest& request) override;
  Result<Manifest> Get(std::string_view name) override;
  Result<std::vector<Manifest>> List() override;
  Result<uint64_t> Generation() override;
  std::vector<CatalogProblem> Problems() override;

 private:
  explicit HttpCatalog(std::string base_url) : base_url_(std::move(base_url)) {}
  Result<nlohmann::json> Call(const std::string& method, const std::string& path, const std::string& body = "");

  std::string base_url_;
};

}  // namespace lakehouse
