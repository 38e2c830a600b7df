#include "service/services.h"

namespace lakehouse {
namespace {

Result<std::vector<std::string>> StringList(const nlohmann::json& body, const char* field) {
  std::vector<std::string> out;
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return out;
  if (!it->is_array()) return Status::InvalidArgument(std::string(field) + " must be an array of strings", "bad_request");
  for (const auto& v : *it) {
    if (!v.is_string()) return Status::InvalidArgument(std::string(field) + " must be an array of strings", "bad_request");
    out.push_back(v.get<std::string>());
  }
  return out;
}

Result<std::string> RequiredString(const nlohmann::json& body, const char* field) {
  auto it = body.find(field);
  if (it == body.end() || !it->is_string()) {
    return Status::InvalidArgument(std::string("the body needs a string field \"") + field + "\"", "bad_request");
  }
  return it->get<std::string>();
}

}  // namespace

void SemanticService::Register(http::Routes& routes) {
  routes.Post(R"(/datasets/([^/]+)/embeddings)", [this](const httplib::Request& req, httplib::Response& res) {
    auto body = http::ParseJsonObject(req);
    if (!body.ok()) return http::SendError(res, body.status());
    IndexDatasetRequest request;
    request.dataset = req.matches[1].str();
    auto index = RequiredString(*body, "index");
    auto id_column = RequiredString(*body, "id_column");
    auto text_template = RequiredString(*body, "text_template");
    auto metadata = StringList(*body, "metadata_columns");
    for (const Status& st : {index.status(), id_column.status(), text_template.status(), metadata.status()}) {
      if (!st.ok()) return http::SendError(res, st);
    }
    request.index = *index;
    request.id_column = *id_column;
    request.text_template = *text_template;
    request.metadata_columns = *metadata;
    Status valid = search_.Validate(request);
    if (!valid.ok()) return http::SendError(res, valid);
    const bool async = body->value("async", false);
    if (async) {
      std::string id = jobs_.Start("embeddings:" + request.dataset + "->" + request.index,
                                   [this, request](JobProgress& progress) { return search_.IndexDataset(request, progress); });
      res.set_header("Location", "/v1/jobs/" + id);
      return http::SendJson(res, 202, {{"job", id}, {"status_url", "/v1/jobs/" + id}});
    }
    JobProgress progress;
    auto report = search_.IndexDataset(request, progress);
    if (!report.ok()) return http::SendError(res, report.status());
    http::SendJson(res, 200, *report);
  });

  routes.Get(R"(/jobs/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
    auto job = jobs_.Describe(req.matches[1].str());
    if (!job.ok()) return http::SendError(res, job.status());
    http::SendJson(res, 200, *job);
  });

  routes.Post("/search", [this](const httplib::Request& req, httplib::Response& res) {
    auto body = http::ParseJsonObject(req);
    if (!body.ok()) return http::SendError(res, body.status());
    DatasetSearchRequest request;
    auto dataset = RequiredString(*body, "dataset");
    auto index = RequiredString(*body, "index");
    auto text = RequiredString(*body, "text");
    auto columns = StringList(*body, "columns");
    for (const Status& st : {dataset.status(), index.status(), text.status(), columns.status()}) {
      if (!st.ok()) return http::SendError(res, st);
    }
    request.dataset = *dataset;
    request.index = *index;
    request.text = *text;
    request.columns = *columns;
    if (auto k = body->find("k"); k != body->end()) {
      if (!k->is_number_integer() || k->get<int64_t>() < 1 || k->get<int64_t>() > static_cast<int64_t>(kMaxSearchK)) {
        return http::SendError(res, Status::InvalidArgument("k must be between 1 and 1000", "bad_request"));
      }
      request.k = k->get<size_t>();
    }
    if (auto where = body->find("where"); where != body->end() && !where->is_null()) {
      if (!where->is_string()) return http::SendError(res, Status::InvalidArgument("where must be a string", "bad_request"));
      request.where = where->get<std::string>();
    }
    auto found = search_.Search(request);
    if (!found.ok()) return http::SendError(res, found.status());
    http::SendJson(res, 200, *found);
  });
}

}  // namespace lakehouse
