#include "service/services.h"

#include "core/time.h"

namespace lakehouse {

void StorageService::Register(http::Routes& routes) {
  routes.PutStream(R"(/storage/put/(.+))", [this](const httplib::Request& req, httplib::Response& res,
                                                  const httplib::ContentReader& reader) {
    const std::string key = req.matches[1];
    if (Status st = ValidateKey(key); !st.ok()) return http::SendErrorWithoutReadingBody(res, st);
    if (http::ContentLength(req) > static_cast<int64_t>(options_.max_put_bytes)) {
      return http::SendErrorWithoutReadingBody(
          res, Status::TooLarge("object is larger than the " + std::to_string(options_.max_put_bytes) +
                                    "-byte limit (storage.max_put_bytes)"));
    }
    auto slot = puts_.TryEnter();
    if (!slot) {
      return http::SendErrorWithoutReadingBody(
          res, Status::Unavailable("too many uploads in progress; retry shortly", "busy"));
    }
    uint64_t received = 0;
    Status st = store_.Put(key, [&](const ByteSink& sink) -> Status {
      Status inner;
      bool ok = reader([&](const char* data, size_t size) {
        received += size;
        if (received > options_.max_put_bytes) {
          inner = Status::TooLarge("object is larger than the " + std::to_string(options_.max_put_bytes) +
                                   "-byte limit (storage.max_put_bytes)");
          return false;
        }
        inner = sink(std::string_view(data, size));
        return inner.ok();
      });
      if (!inner.ok()) return inner;
      if (!ok) return Status::InvalidArgument("the upload ended early", "incomplete_body");
      return Status::Ok();
    });
    if (!st.ok()) {
      if (st.code() == StatusCode::kTooLarge) return http::SendErrorWithoutReadingBody(res, st);
      return http::SendError(res, st);
    }
    http::SendJson(res, 200, {{"key", key}, {"size", received}});
  });

  routes.Get(R"(/storage/get/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
    const std::string key = req.matches[1];
    auto info = store_.Head(key);
    if (!info.ok()) return http::SendError(res, info.status());
    res.set_content_provider(
        info->size, "application/octet-stream",
        [this, key](size_t offset, size_t, httplib::DataSink& sink) {
          if (offset != 0) return false;  // everything is written in the first call
          Status st = store_.Get(key, [&](std::string_view piece) {
            return sink.write(piece.data(), piece.size()) ? Status::Ok()
                                                          : Status::Unavailable("client went away");
          });
          return st.ok();
        });
  });

  routes.Get(R"(/storage/head/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
    auto info = store_.Head(std::string(req.matches[1]));
    if (!info.ok()) return http::SendError(res, info.status());
    http::SendJson(res, 200,
                   {{"key", info->key}, {"size", info->size}, {"modified_at", FormatRfc3339Millis(info->modified_unix_millis)}});
  });

  routes.Get("/storage/list", [this](const httplib::Request& req, httplib::Response& res) {
    size_t limit = 1000;
    if (req.has_param("limit")) {
      const std::string text = req.get_param_value("limit");
      if (text.empty() || text.size() > 6 || text.find_first_not_of("0123456789") != std::string::npos) {
        return http::SendError(res, Status::InvalidArgument("limit must be a number from 1 to 10000"));
      }
      limit = std::stoul(text);
    }
    auto page = store_.List(req.get_param_value("prefix"), req.get_param_value("after"), limit);
    if (!page.ok()) return http::SendError(res, page.status());
    nlohmann::json objects = nlohmann::json::array();
    for (const auto& o : page->objects) {
      objects.push_back({{"key", o.key}, {"size", o.size}, {"modified_at", FormatRfc3339Millis(o.modified_unix_millis)}});
    }
    nlohmann::json body = {{"prefix", req.get_param_value("prefix")}, {"objects", objects}, {"count", objects.size()},
                           {"truncated", !page->next_after.empty()}};
    if (!page->next_after.empty()) body["next_after"] = page->next_after;
    http::SendJson(res, 200, body);
  });

  routes.Delete(R"(/storage/delete/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
    const std::string key = req.matches[1];
    if (Status st = store_.Delete(key); !st.ok()) return http::SendError(res, st);
    http::SendJson(res, 200, {{"deleted", key}});
  });
}

}  // namespace lakehouse
