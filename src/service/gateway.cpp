#include "service/gateway.h"

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>

#include "core/bounded_queue.h"
#include "core/log.h"
#include "http/curl_client.h"

namespace lakehouse {
namespace {

constexpr size_t kQueueBytes = 4u << 20;
constexpr size_t kForwardChunk = 256u << 10;


// Byte chunks between two threads, at most kQueueBytes queued.
class ChunkQueue : public BoundedQueue<std::string> {
 public:
  ChunkQueue() : BoundedQueue<std::string>(kQueueBytes, [](const std::string& chunk) { return chunk.size(); }) {}
};


// One proxied exchange, shared by the request thread, the upstream thread and
// the response content provider.
struct Exchange {
  ChunkQueue request_body;
  ChunkQueue response_body;
  std::mutex mu;
  std::condition_variable head_cv;
  bool head_ready = false;
  bool upstream_done = false;
  http::CurlResponseHead head;
  Status failure;  // transport failure of the upstream exchange
  std::thread worker;

  std::atomic<bool> abandoned{false};

  ~Exchange() {
    abandoned = true;
    request_body.Close();
    response_body.Close();
    if (worker.joinable()) worker.join();
  }
};

bool HopByHop(const std::string& name) {
  return name == "connection" || name == "keep-alive" || name == "transfer-encoding" || name == "te" ||
         name == "trailer" || name == "upgrade" || name == "proxy-authorization" || name == "proxy-authenticate" ||
         name == "host" || name == "content-length" || name == "expect";
}

}  // namespace

const GatewayUpstream* Gateway::Route(const std::string& path) const {
  for (const auto& [prefix, upstream] : options_.routes) {
    // "/storage/" matches anything below it; "/sql" matches itself and what is below it.
    if (prefix.back() == '/' ? path.rfind(prefix, 0) == 0 : (path == prefix || path.rfind(prefix + "/", 0) == 0)) {
      return &upstream;
    }
  }
  return nullptr;
}

void Gateway::Register(http::HttpServer& server) {
  auto health = [this](const httplib::Request&, httplib::Response& res) {
    nlohmann::json upstreams = nlohmann::json::object();
    bool all_up = true;
    std::map<std::string, std::string> seen;
    for (const auto& [prefix, upstream] : options_.routes) seen[upstream.service] = upstream.url;
    for (const auto& [service, url] : seen) {
      http::CurlRequest probe;
      probe.url = url + "/health";
      probe.connect_timeout_ms = 500;
      probe.timeout_ms = 1000;
      auto answer = http::CurlFetch(probe, service);
      const bool up = answer.ok() && answer->head.status == 200;
      all_up = all_up && up;
      upstreams[service] = {{"url", url}, {"status", up ? "ok" : "down"}};
    }
    http::SendJson(res, 200, {{"status", all_up ? "ok" : "degraded"}, {"service", "gateway"}, {"upstreams", upstreams}});
  };
  server.routes("").Get("/health", health);
  server.routes("/v1").Get("/health", health);
  server.ProxyAll(R"(/v1/.*)", [this](const httplib::Request& req, httplib::Response& res,
                                      const httplib::ContentReader* body) { Forward(req, res, body); });
}

void Gateway::Forward(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader* body) {
  // The raw target keeps the client's encoding of the path and query.
  const std::string target = req.target.substr(3);  // after "/v1"
  const GatewayUpstream* upstream = Route(req.path.substr(3));
  if (!upstream) {
    if (body) res.set_header("Connection", "close");
    return http::SendError(res, Status::NotFound("no route for " + req.method + " " + req.path, "not_found"));
  }

  auto exchange = std::make_shared<Exchange>();
  http::CurlRequest request;
  request.method = req.method;
  request.url = upstream->url + target;
  request.connect_timeout_ms = options_.connect_timeout_ms;
  request.stall_timeout_ms = options_.stall_timeout_s * 1000;
  for (const auto& [name, value] : req.headers) {
    std::string lower = name;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (HopByHop(lower) || lower.rfind("remote_", 0) == 0 || lower.rfind("local_", 0) == 0) continue;
    request.headers.push_back((name == http::kProxiedContentType ? std::string("Content-Type") : name) + ": " + value);
  }
  request.headers.push_back("X-Forwarded-For: " + req.remote_addr);
  const int64_t length = http::ContentLength(req);
  const bool has_body =
      body != nullptr && (length > 0 || req.get_header_value("Transfer-Encoding").find("chunked") != std::string::npos);
  if (has_body) {
    request.body_size = length;  // -1: chunked
    auto pending = std::make_shared<std::pair<std::string, size_t>>();
    request.read_body = [ex = exchange.get(), pending](char* buffer, size_t max) -> int64_t {
      auto& [chunk, offset] = *pending;
      if (offset == chunk.size()) {
        offset = 0;
        auto next = ex->request_body.Pop();
        if (!next) {
          chunk.clear();
          return 0;
        }
        chunk = std::move(*next);
      }
      size_t n = std::min(max, chunk.size() - offset);
      std::memcpy(buffer, chunk.data() + offset, n);
      offset += n;
      return static_cast<int64_t>(n);
    };
  } else if (body) {
    request.body_size = 0;
    request.read_body = [](char*, size_t) -> int64_t { return 0; };
  }

  const std::string service = upstream->service;
  request.should_abort = [ex = exchange.get()] { return ex->abandoned.load(); };
  // The worker holds a plain pointer: the Exchange joins it on destruction.
  exchange->worker = std::thread([exchange = exchange.get(), request = std::move(request), service]() {
    auto result = http::CurlTransfer(
        request, service + " at " + request.url.substr(0, request.url.find('/', 8)),
        [&](const http::CurlResponseHead& head) {
          std::lock_guard<std::mutex> lock(exchange->mu);
          exchange->head = head;
          exchange->head_ready = true;
          exchange->head_cv.notify_all();
          return true;
        },
        [&](std::string_view piece) { return exchange->response_body.Push(std::string(piece)); });
    // The upstream answered (or gave up) before reading the whole body: stop feeding it.
    exchange->request_body.Close();
    std::lock_guard<std::mutex> lock(exchange->mu);
    if (!result.ok()) exchange->failure = result.status();
    exchange->upstream_done = true;
    exchange->response_body.Finish();
    exchange->head_cv.notify_all();
  });

  bool body_complete = true;
  if (has_body) {
    // httplib hands the body over in 4 KiB reads; queue it in larger pieces.
    std::string pending;
    pending.reserve(kForwardChunk);
    body_complete = (*body)([&](const char* data, size_t size) {
      pending.append(data, size);
      if (pending.size() < kForwardChunk) return true;
      bool accepted = exchange->request_body.Push(std::move(pending));
      pending = std::string();
      pending.reserve(kForwardChunk);
      return accepted;
    });
    if (body_complete && !pending.empty()) exchange->request_body.Push(std::move(pending));
    exchange->request_body.Finish();
  }

  std::unique_lock<std::mutex> lock(exchange->mu);
  exchange->head_cv.wait(lock, [&] { return exchange->head_ready || exchange->upstream_done; });
  if (!body_complete) res.set_header("Connection", "close");  // unread body bytes remain on the connection
  if (!exchange->head_ready) {
    Status failure = exchange->failure;
    lock.unlock();
    log::Warn("gateway_upstream_failed", {{"service", service}, {"path", req.path}, {"error", failure.message()}});
    if (failure.error_code() == "upstream_timeout") {
      return http::SendError(res, Status::Timeout(service + " did not answer within " +
                                                      std::to_string(options_.stall_timeout_s) + " s",
                                                  "upstream_timeout"));
    }
    return http::SendError(res, Status::BadGateway(service + " is unavailable: " + failure.message(),
                                                   "upstream_unavailable"));
  }
  const http::CurlResponseHead head = exchange->head;
  lock.unlock();

  res.status = static_cast<int>(head.status);
  std::string content_type = "application/octet-stream";
  int64_t response_length = -1;
  for (const auto& [name, value] : head.headers) {
    if (name == "content-type") content_type = value;
    else if (name == "content-length") response_length = std::strtoll(value.c_str(), nullptr, 10);
    else if (!HopByHop(name)) res.set_header(name, value);
  }
  if (req.method == "HEAD" || head.status == 204 || head.status == 304 || response_length == 0) {
    res.set_content("", content_type);
    return;
  }
  auto write_next = [exchange](httplib::DataSink& sink) {
    if (auto chunk = exchange->response_body.Pop()) return sink.write(chunk->data(), chunk->size());
    std::lock_guard<std::mutex> lock(exchange->mu);
    if (!exchange->failure.ok()) return false;  // the upstream broke off: so does the client's response
    sink.done();
    return true;
  };
  // The releaser runs when the response is finished or the client went away.
  auto release = [exchange](bool) { exchange->response_body.Close(); };
  if (response_length > 0) {
    res.set_content_provider(
        static_cast<size_t>(response_length), content_type,
        [exchange](size_t, size_t, httplib::DataSink& sink) {
          auto chunk = exchange->response_body.Pop();
          return chunk && sink.write(chunk->data(), chunk->size());
        },
        release);
  } else {
    res.set_chunked_content_provider(content_type, [write_next](size_t, httplib::DataSink& sink) { return write_next(sink); },
                                     release);
  }
}

}  // namespace lakehouse
