#include <chrono>

#include "core/log.h"
#include "service/services.h"
#include "vector/batch_codec.h"

namespace lakehouse {
namespace {

// Reads the whole body (an add batch is applied as a unit) up to max_bytes.
Status ReadBody(const httplib::ContentReader& reader, uint64_t max_bytes, std::string* body) {
  Status status;
  bool ok = reader([&](const char* data, size_t size) {
    if (body->size() + size > max_bytes) {
      status = Status::TooLarge("the batch is larger than the " + std::to_string(max_bytes) +
                                "-byte limit (vector.max_batch_bytes); split it");
      return false;
    }
    body->append(data, size);
    return true;
  });
  if (!status.ok()) return status;
  if (!ok) return Status::InvalidArgument("the request body ended early", "incomplete_body");
  return Status::Ok();
}

nlohmann::json MetadataJson(const std::string& text) {
  if (text.empty()) return nlohmann::json::object();
  return nlohmann::json::parse(text, nullptr, false);
}

Result<std::vector<float>> VectorFromJson(const nlohmann::json& body) {
  auto vector = body.find("vector");
  if (vector == body.end() || !vector->is_array() || vector->empty()) {
    return Status::InvalidArgument("the body needs a non-empty array field \"vector\"", "bad_request");
  }
  std::vector<float> out;
  out.reserve(vector->size());
  for (const auto& v : *vector) {
    if (!v.is_number()) return Status::InvalidArgument("vector values must be numbers", "bad_request");
    out.push_back(v.get<float>());
  }
  return out;
}

Result<size_t> OptionalCount(const nlohmann::json& body, const char* field, size_t fallback) {
  auto it = body.find(field);
  if (it == body.end()) return fallback;
  if (!it->is_number_integer() || it->get<int64_t>() < 0) {
    return Status::InvalidArgument(std::string(field) + " must be a non-negative whole number", "bad_request");
  }
  return it->get<size_t>();
}

}  // namespace

void VectorService::Register(http::Routes& routes) {
  routes.Post("/vectors/index", [this](const httplib::Request& req, httplib::Response& res) {
    auto body = http::ParseJsonObject(req);
    if (!body.ok()) return http::SendError(res, body.status());
    auto params = IndexParamsFromJson(*body);
    if (!params.ok()) return http::SendError(res, params.status());
    auto created = registry_.Create(*params);
    if (!created.ok()) return http::SendError(res, created.status());
    http::SendJson(res, 201, *created);
  });

  routes.Get("/vectors/index", [this](const httplib::Request&, httplib::Response& res) {
    nlohmann::json problems = nlohmann::json::array();
    for (const auto& p : registry_.Problems()) problems.push_back({{"name", p.name}, {"error", p.error}});
    http::SendJson(res, 200, {{"indexes", registry_.DescribeAll()}, {"unreadable", problems}});
  });

  routes.Get(R"(/vectors/index/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
    auto info = registry_.Describe(req.matches[1].str());
    if (!info.ok()) return http::SendError(res, info.status());
    http::SendJson(res, 200, *info);
  });

  routes.Delete(R"(/vectors/index/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
    const std::string name = req.matches[1].str();
    Status status = registry_.Drop(name);
    if (!status.ok()) return http::SendError(res, status);
    http::SendJson(res, 200, {{"deleted", name}});
  });

  routes.PostStream(R"(/vectors/index/([^/]+)/add)", [this](const httplib::Request& req, httplib::Response& res,
                                                             const httplib::ContentReader& reader) {
    auto index = registry_.Find(req.matches[1].str());
    if (!index.ok()) return http::SendErrorWithoutReadingBody(res, index.status());
    if (http::ContentLength(req) > static_cast<int64_t>(options_.max_batch_bytes)) {
      return http::SendErrorWithoutReadingBody(
          res, Status::TooLarge("the batch is larger than the " + std::to_string(options_.max_batch_bytes) +
                                "-byte limit (vector.max_batch_bytes); split it"));
    }
    auto started = std::chrono::steady_clock::now();
    std::string body;
    Status read = ReadBody(reader, options_.max_batch_bytes, &body);
    if (!read.ok()) return http::SendErrorWithoutReadingBody(res, read);
    const bool binary = req.get_header_value("Content-Type").starts_with(kBinaryBatchContentType) ||
                        req.get_header_value("Content-Type").starts_with("application/octet-stream");
    auto batch = binary ? ParseBinaryBatch(body) : ParseJsonBatch(body);
    std::string().swap(body);
    if (!batch.ok()) return http::SendError(res, batch.status());
    auto parsed = std::chrono::steady_clock::now();
    auto outcome = (*index)->Add(*batch);
    if (!outcome.ok()) return http::SendError(res, outcome.status());
    auto done = std::chrono::steady_clock::now();
    http::SendJson(res, 200,
                   {{"added", outcome->added},
                    {"updated", outcome->updated},
                    {"count", (*index)->Stats().count},
                    {"parse_ms", std::chrono::duration<double, std::milli>(parsed - started).count()},
                    {"insert_ms", std::chrono::duration<double, std::milli>(done - parsed).count()}});
  });

  routes.Post(R"(/vectors/index/([^/]+)/search)", [this](const httplib::Request& req, httplib::Response& res) {
    auto index = registry_.Find(req.matches[1].str());
    if (!index.ok()) return http::SendError(res, index.status());
    auto body = http::ParseJsonObject(req);
    if (!body.ok()) return http::SendError(res, body.status());
    auto vector = VectorFromJson(*body);
    if (!vector.ok()) return http::SendError(res, vector.status());
    if (vector->size() != (*index)->params().dimension) {
      return http::SendError(res, Status::InvalidArgument("the query vector has " + std::to_string(vector->size()) +
                                                              " dimensions; the index has " +
                                                              std::to_string((*index)->params().dimension),
                                                          "dimension_mismatch"));
    }
    auto k = OptionalCount(*body, "k", 10);
    if (!k.ok()) return http::SendError(res, k.status());
    auto ef = OptionalCount(*body, "ef_search", 0);
    if (!ef.ok()) return http::SendError(res, ef.status());
    std::optional<MetadataFilter> filter;
    if (auto f = body->find("filter"); f != body->end() && !f->is_null()) {
      auto parsed = MetadataFilter::FromJson(*f);
      if (!parsed.ok()) return http::SendError(res, parsed.status());
      filter = std::move(*parsed);
    }
    SearchRequest request;
    request.vector = vector->data();
    request.k = *k;
    request.ef_search = *ef;
    request.filter = filter ? &*filter : nullptr;
    auto hits = (*index)->Search(request);
    if (!hits.ok()) return http::SendError(res, hits.status());
    nlohmann::json results = nlohmann::json::array();
    for (const auto& hit : *hits) {
      results.push_back({{"id", hit.id}, {"distance", hit.distance}, {"metadata", MetadataJson(hit.metadata)}});
    }
    http::SendJson(res, 200, {{"results", results}});
  });

  routes.Post(R"(/vectors/index/([^/]+)/delete)", [this](const httplib::Request& req, httplib::Response& res) {
    auto index = registry_.Find(req.matches[1].str());
    if (!index.ok()) return http::SendError(res, index.status());
    auto body = http::ParseJsonObject(req);
    if (!body.ok()) return http::SendError(res, body.status());
    auto ids = body->find("ids");
    if (ids == body->end() || !ids->is_array()) {
      return http::SendError(res, Status::InvalidArgument("the body needs an array field \"ids\"", "bad_request"));
    }
    std::vector<std::string> list;
    for (const auto& id : *ids) {
      if (!id.is_string()) return http::SendError(res, Status::InvalidArgument("ids must be strings", "bad_request"));
      list.push_back(id.get<std::string>());
    }
    DeleteOutcome outcome = (*index)->Delete(list);
    http::SendJson(res, 200, {{"deleted", outcome.deleted}, {"missing", outcome.missing},
                              {"count", (*index)->Stats().count}});
  });

  routes.Get(R"(/vectors/index/([^/]+)/items/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
    auto index = registry_.Find(req.matches[1].str());
    if (!index.ok()) return http::SendError(res, index.status());
    const std::string id = req.matches[2].str();
    auto item = (*index)->Get(id);
    if (!item.ok()) return http::SendError(res, item.status());
    http::SendJson(res, 200, {{"id", id}, {"vector", item->vector}, {"metadata", MetadataJson(item->metadata)}});
  });

  routes.Post(R"(/vectors/index/([^/]+)/save)", [this](const httplib::Request& req, httplib::Response& res) {
    auto saved = registry_.Save(req.matches[1].str());
    if (!saved.ok()) return http::SendError(res, saved.status());
    http::SendJson(res, 200, *saved);
  });
}

}  // namespace lakehouse
