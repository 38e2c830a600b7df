#include "catalog/http_catalog.h"

#include "core/ids.h"
#include "http/client.h"
#include "http/curl_client.h"

namespace lakehouse {

Result<std::unique_ptr<HttpCatalog>> HttpCatalog::Open(std::string base_url) {
  LH_RETURN_IF_ERROR(http::ParseServerUrl(base_url).status());
  while (!base_url.empty() && base_url.back() == '/') base_url.pop_back();
  return std::unique_ptr<HttpCatalog>(new HttpCatalog(std::move(base_url)));
}

Result<nlohmann::json> HttpCatalog::Call(const std::string& method, const std::string& path, const std::string& body) {
  http::CurlRequest request;
  request.method = method;
  request.url = base_url_ + path;
  request.body = body;
  if (!body.empty()) request.headers = {"Content-Type: application/json"};
  request.timeout_ms = 60000;
  LH_ASSIGN_OR_RETURN(http::CurlAnswer answer, http::CurlFetch(request, "catalogd"));
  if (answer.head.status < 200 || answer.head.status >= 300) {
    return http::StatusFromResponse(static_cast<int>(answer.head.status), answer.body);
  }
  nlohmann::json json = nlohmann::json::parse(answer.body, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    return Status::BadGateway("catalogd answered something that is not a JSON object", "bad_upstream_answer");
  }
  return json;
}

Result<RegisterResult> HttpCatalog::Register(const RegisterRequest& request) {
  nlohmann::json columns = nlohmann::json::array();
  for (const auto& c : request.columns) columns.push_back({{"name", c.name}, {"type", c.type}});
  nlohmann::json objects = nlohmann::json::array();
  for (const auto& o : request.objects) objects.push_back({{"key", o.key}, {"size", o.size}, {"rows", o.rows}});
  nlohmann::json body = {{"name", request.name},
                         {"schema_fingerprint", request.schema_fingerprint},
                         {"columns", columns},
                         {"objects", objects},
                         {"mode", request.mode == RegisterMode::kAppend ? "append" : "replace"}};
  LH_ASSIGN_OR_RETURN(nlohmann::json answer, Call("POST", "/catalog/register", body.dump()));
  RegisterResult result;
  LH_ASSIGN_OR_RETURN(result.manifest, ManifestFromJson(answer));
  result.existing = answer.value("existing", false);
  return result;
}

Result<Manifest> HttpCatalog::Get(std::string_view name) {
  LH_RETURN_IF_ERROR(ValidateDatasetName(name));
  LH_ASSIGN_OR_RETURN(nlohmann::json answer, Call("GET", "/catalog/manifest/" + http::UriEncode(name, false)));
  return ManifestFromJson(answer);
}

Result<std::vector<Manifest>> HttpCatalog::List() {
  LH_ASSIGN_OR_RETURN(nlohmann::json answer, Call("GET", "/catalog/list"));
  std::vector<Manifest> manifests;
  if (!answer.contains("datasets") || !answer["datasets"].is_array()) {
    return Status::BadGateway("catalogd answered a list without datasets", "bad_upstream_answer");
  }
  for (const auto& m : answer["datasets"]) {
    LH_ASSIGN_OR_RETURN(Manifest manifest, ManifestFromJson(m));
    manifests.push_back(std::move(manifest));
  }
  return manifests;
}

Result<uint64_t> HttpCatalog::Generation() {
  LH_ASSIGN_OR_RETURN(nlohmann::json answer, Call("GET", "/catalog/status"));
  if (!answer.contains("generation") || !answer["generation"].is_number_unsigned()) {
    return Status::BadGateway("catalogd answered a status without a generation", "bad_upstream_answer");
  }
  return answer["generation"].get<uint64_t>();
}

std::vector<CatalogProblem> HttpCatalog::Problems() {
  auto answer = Call("GET", "/catalog/status");
  std::vector<CatalogProblem> problems;
  if (!answer.ok()) return {{"catalogd", answer.status().message()}};
  for (const auto& p : answer->value("unreadable_manifests", nlohmann::json::array())) {
    problems.push_back({p.value("key", ""), p.value("error", "")});
  }
  return problems;
}

}  // namespace lakehouse
