#include "embed/http_embedder.h"

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/log.h"
#include "core/parallel.h"
#include "http/curl_client.h"

namespace lakehouse {
namespace {

bool Retryable(long status) { return status == 429 || status >= 500; }

// The error text an upstream put in its body (Ollama: {"error": "..."},
// OpenAI: {"error": {"message": "..."}}), else the start of the body.
std::string UpstreamMessage(const std::string& body) {
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_object() && doc.contains("error")) {
    const auto& error = doc["error"];
    if (error.is_string()) return error.get<std::string>();
    if (error.is_object() && error.contains("message") && error["message"].is_string()) {
      return error["message"].get<std::string>();
    }
  }
  return body.substr(0, 300);
}

}  // namespace

HttpEmbedder::HttpEmbedder(HttpEmbedderOptions options) : options_(std::move(options)) {
  while (!options_.url.empty() && options_.url.back() == '/') options_.url.pop_back();
  endpoint_ = options_.url + (options_.provider == "ollama"      ? "/api/embed"
                              : options_.provider == "lakehouse" ? "/embed"
                                                                 : "/embeddings");
}

std::string HttpEmbedder::Redact(std::string text) const {
  if (options_.api_key.empty()) return text;
  for (size_t at = text.find(options_.api_key); at != std::string::npos; at = text.find(options_.api_key, at)) {
    text.replace(at, options_.api_key.size(), "[redacted]");
  }
  return text;
}

Result<std::vector<std::vector<float>>> HttpEmbedder::ParseReply(const std::string& body, size_t expected) const {
  auto malformed = [&](const std::string& what) {
    return Status::BadGateway(options_.provider + " at " + options_.url + " sent a malformed reply: " + what,
                              "upstream_malformed");
  };
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  if (!doc.is_object()) return malformed("not a JSON object");
  std::vector<std::vector<float>> vectors(expected);
  std::vector<bool> seen(expected, false);
  auto take = [&](const nlohmann::json& embedding, size_t index) -> Status {
    if (index >= expected || seen[index]) return malformed("embedding index " + std::to_string(index) + " is wrong");
    if (!embedding.is_array() || embedding.empty()) return malformed("an embedding is not a non-empty array");
    for (const auto& v : embedding) {
      if (!v.is_number()) return malformed("an embedding holds a non-number");
      vectors[index].push_back(v.get<float>());
    }
    seen[index] = true;
    return Status::Ok();
  };
  if (options_.provider == "ollama" || options_.provider == "lakehouse") {
    const char* field = options_.provider == "ollama" ? "embeddings" : "vectors";
    auto embeddings = doc.find(field);
    if (embeddings == doc.end() || !embeddings->is_array()) return malformed(std::string("no \"") + field + "\" array");
    if (embeddings->size() != expected) {
      return malformed(std::to_string(embeddings->size()) + " embeddings for " + std::to_string(expected) + " texts");
    }
    for (size_t i = 0; i < expected; ++i) LH_RETURN_IF_ERROR(take((*embeddings)[i], i));
  } else {
    auto data = doc.find("data");
    if (data == doc.end() || !data->is_array()) return malformed("no \"data\" array");
    if (data->size() != expected) {
      return malformed(std::to_string(data->size()) + " embeddings for " + std::to_string(expected) + " texts");
    }
    for (size_t i = 0; i < expected; ++i) {
      const auto& item = (*data)[i];
      if (!item.is_object() || !item.contains("embedding")) return malformed("a data item has no \"embedding\"");
      size_t index = item.contains("index") && item["index"].is_number_unsigned() ? item["index"].get<size_t>() : i;
      LH_RETURN_IF_ERROR(take(item["embedding"], index));
    }
  }
  for (size_t i = 1; i < expected; ++i) {
    if (vectors[i].size() != vectors[0].size()) return malformed("embeddings of different lengths");
  }
  return vectors;
}

Result<std::vector<std::vector<float>>> HttpEmbedder::EmbedBatch(const std::vector<std::string>& texts, size_t first,
                                                                 size_t count, const std::string& model) const {
  nlohmann::json request = {{"model", model},
                            {options_.provider == "lakehouse" ? "texts" : "input",
                             std::vector<std::string>(texts.begin() + first, texts.begin() + first + count)}};
  const std::string body = request.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  http::CurlRequest post;
  post.method = "POST";
  post.url = endpoint_;
  post.body = body;
  post.headers = {"Content-Type: application/json", "Accept: application/json"};
  if (!options_.api_key.empty()) post.headers.push_back("Authorization: Bearer " + options_.api_key);
  post.timeout_ms = options_.timeout_ms;
  post.connect_timeout_ms = std::min(options_.timeout_ms, 10000);
  post.stall_timeout_ms = 0;  // timeout_ms bounds the whole request
  Status last;
  for (int attempt = 0; attempt <= options_.max_retries; ++attempt) {
    if (attempt > 0) {
      int delay_ms = options_.backoff_ms << std::min(attempt - 1, 10);
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    }
    auto reply = http::CurlFetch(post, endpoint_);
    if (!reply.ok()) {
      last = Status(reply.status().code(), reply.status().error_code(), Redact(reply.status().message()));
      log::Warn("embed_upstream_retry", {{"provider", options_.provider}, {"attempt", attempt + 1}, {"error", last.message()}});
      continue;
    }
    const long status = reply->head.status;
    if (status >= 200 && status < 300) return ParseReply(reply->body, count);
    last = Status::BadGateway(options_.provider + " at " + options_.url + " answered " + std::to_string(status) +
                                  ": " + Redact(UpstreamMessage(reply->body)),
                              "upstream_error");
    if (!Retryable(status)) return last;
    log::Warn("embed_upstream_retry", {{"provider", options_.provider}, {"attempt", attempt + 1}, {"status", status}});
    const std::string retry_after = reply->head.Header("retry-after");
    if (!retry_after.empty() && retry_after.find_first_not_of("0123456789") == std::string::npos &&
        retry_after.size() < 4) {
      std::this_thread::sleep_for(std::chrono::seconds(std::min(std::stoi(retry_after), 10)));
    }
  }
  return last.WithContext("after " + std::to_string(options_.max_retries + 1) + " attempts");
}

Result<Embeddings> HttpEmbedder::Embed(const std::vector<std::string>& texts, const std::string& model) {
  Embeddings out;
  out.model = model.empty() ? options_.model : model;
  out.vectors.resize(texts.size());
  const size_t batch = std::max<size_t>(options_.batch_size, 1);
  const size_t batches = (texts.size() + batch - 1) / batch;
  Status status = ParallelFor(batches, options_.parallel_requests, [&](size_t b) -> Status {
    const size_t first = b * batch, count = std::min(batch, texts.size() - first);
    LH_ASSIGN_OR_RETURN(auto vectors, EmbedBatch(texts, first, count, out.model));
    for (size_t i = 0; i < count; ++i) out.vectors[first + i] = std::move(vectors[i]);
    return Status::Ok();
  });
  if (!status.ok()) return status;
  if (!out.vectors.empty()) out.dimension = static_cast<uint32_t>(out.vectors[0].size());
  for (const auto& v : out.vectors) {
    if (v.size() != out.dimension) {
      return Status::BadGateway(options_.provider + " returned embeddings of different lengths across batches",
                                "upstream_malformed");
    }
  }
  return out;
}

}  // namespace lakehouse
