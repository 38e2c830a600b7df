#include <chrono>

#include "core/log.h"
#include "core/time.h"
#include "service/services.h"

namespace lakehouse {

void EmbedService::Register(http::Routes& routes) {
  routes.Post("/embed", [this](const httplib::Request& req, httplib::Response& res) {
    auto body = http::ParseJsonObject(req);
    if (!body.ok()) return http::SendError(res, body.status());
    auto texts_field = body->find("texts");
    if (texts_field == body->end() || !texts_field->is_array() || texts_field->empty()) {
      return http::SendError(res, Status::InvalidArgument("the body needs a non-empty array field \"texts\"", "bad_request"));
    }
    if (texts_field->size() > options_.max_texts) {
      return http::SendError(res, Status::InvalidArgument(
                                      std::to_string(texts_field->size()) + " texts is more than the " +
                                          std::to_string(options_.max_texts) + " allowed per request (embed.max_texts)",
                                      "too_many_texts"));
    }
    std::vector<std::string> texts;
    texts.reserve(texts_field->size());
    for (size_t i = 0; i < texts_field->size(); ++i) {
      const auto& text = (*texts_field)[i];
      const std::string where = "texts[" + std::to_string(i) + "]";
      if (!text.is_string()) return http::SendError(res, Status::InvalidArgument(where + " is not a string", "bad_request"));
      const std::string& value = text.get_ref<const std::string&>();
      if (value.find_first_not_of(" \t\r\n") == std::string::npos) {
        return http::SendError(res, Status::InvalidArgument(where + " is empty", "empty_text"));
      }
      if (value.size() > options_.max_text_bytes) {
        return http::SendError(res, Status::InvalidArgument(where + " is longer than " +
                                                                std::to_string(options_.max_text_bytes) +
                                                                " bytes (embed.max_text_bytes)",
                                                            "text_too_long"));
      }
      texts.push_back(value);
    }
    std::string model;
    if (auto m = body->find("model"); m != body->end() && !m->is_null()) {
      if (!m->is_string()) return http::SendError(res, Status::InvalidArgument("model must be a string", "bad_request"));
      model = m->get<std::string>();
    }
    auto started = std::chrono::steady_clock::now();
    const CacheStats before = embedder_.Stats();
    auto embedded = embedder_.Embed(texts, model);
    if (!embedded.ok()) {
      log::Warn("embed_failed", {{"provider", embedder_.provider()}, {"code", embedded.status().error_code()}});
      return http::SendError(res, embedded.status());
    }
    const CacheStats after = embedder_.Stats();
    http::SendJson(res, 200,
                   {{"model", embedded->model},
                    {"dimension", embedded->dimension},
                    {"vectors", embedded->vectors},
                    {"cache_hits", after.hits - before.hits},
                    {"embed_ms", MillisSince(started)}});
  });
}

}  // namespace lakehouse
