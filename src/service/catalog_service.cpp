#include "service/services.h"

namespace lakehouse {
namespace {

Result<RegisterRequest> ParseRegister(const nlohmann::json& body) {
  RegisterRequest request;
  try {
    request.name = body.at("name").get<std::string>();
    request.schema_fingerprint = body.at("schema_fingerprint").get<std::string>();
    for (const auto& c : body.at("columns")) {
      request.columns.push_back({c.at("name").get<std::string>(), c.at("type").get<std::string>()});
    }
    for (const auto& o : body.at("objects")) {
      request.objects.push_back({o.at("key").get<std::string>(), o.at("size").get<uint64_t>(),
                                 o.at("rows").get<uint64_t>()});
    }
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(
        "register needs name, schema_fingerprint, columns [{name, type}] and objects [{key, size, rows}]: " +
            std::string(e.what()),
        "bad_request");
  }
  std::string mode = body.value("mode", "replace");
  if (mode == "append") request.mode = RegisterMode::kAppend;
  else if (mode != "replace") return Status::InvalidArgument("mode must be replace or append", "bad_request");
  return request;
}

}  // namespace

void CatalogService::Register(http::Routes& routes) {
  routes.Post("/catalog/register", [this](const httplib::Request& req, httplib::Response& res) {
    auto body = http::ParseJsonObject(req);
    if (!body.ok()) return http::SendError(res, body.status());
    auto request = ParseRegister(*body);
    if (!request.ok()) return http::SendError(res, request.status());
    auto result = catalog_.Register(*request);
    if (!result.ok()) return http::SendError(res, result.status());
    nlohmann::json out = ManifestToJson(result->manifest);
    out["existing"] = result->existing;
    http::SendJson(res, 200, out);
  });

  routes.Get(R"(/catalog/manifest/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
    auto manifest = catalog_.Get(std::string(req.matches[1]));
    if (!manifest.ok()) return http::SendError(res, manifest.status());
    http::SendJson(res, 200, ManifestToJson(*manifest));
  });

  // For followers of the catalog (queryd in split mode, health checks).
  routes.Get("/catalog/status", [this](const httplib::Request&, httplib::Response& res) {
    auto generation = catalog_.Generation();
    if (!generation.ok()) return http::SendError(res, generation.status());
    nlohmann::json problems = nlohmann::json::array();
    for (const auto& p : catalog_.Problems()) problems.push_back({{"key", p.key}, {"error", p.error}});
    http::SendJson(res, 200, {{"generation", *generation}, {"unreadable_manifests", problems}});
  });

  routes.Get("/catalog/list", [this](const httplib::Request&, httplib::Response& res) {
    auto manifests = catalog_.List();
    if (!manifests.ok()) return http::SendError(res, manifests.status());
    nlohmann::json datasets = nlohmann::json::array();
    for (const auto& m : *manifests) datasets.push_back(ManifestToJson(m));
    http::SendJson(res, 200, {{"datasets", datasets}, {"count", datasets.size()}});
  });
}

}  // namespace lakehouse
