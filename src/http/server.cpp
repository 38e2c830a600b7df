#include "http/server.h"

#include <chrono>

#include "core/log.h"

namespace lakehouse::http {
namespace {

thread_local std::chrono::steady_clock::time_point request_start;

const char* ErrorCodeForHttpStatus(int status) {
  switch (status) {
    case 400: return "bad_request";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 413: return "too_large";
    case 414: return "uri_too_long";
    case 503: return "unavailable";
    default: return status >= 500 ? "internal" : "bad_request";
  }
}

}  // namespace

void SendJson(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

void SendError(httplib::Response& res, const Status& status) {
  if (status.code() == StatusCode::kUnavailable) res.set_header("Retry-After", "1");
  SendJson(res, status.http_status(), {{"error", {{"code", status.error_code()}, {"message", status.message()}}}});
}

void SendErrorWithoutReadingBody(httplib::Response& res, const Status& status) {
  res.set_header("Connection", "close");
  SendError(res, status);
}

Result<nlohmann::json> ParseJsonObject(const httplib::Request& req) {
  nlohmann::json body = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return Status::InvalidArgument("the request body is not valid JSON", "bad_json");
  if (!body.is_object()) return Status::InvalidArgument("the request body must be a JSON object", "bad_json");
  return body;
}

int64_t ContentLength(const httplib::Request& req) {
  if (!req.has_header("Content-Length")) return -1;
  const std::string value = req.get_header_value("Content-Length");
  if (value.empty() || value.size() > 18 || value.find_first_not_of("0123456789") != std::string::npos) return -1;
  return std::stoll(value);
}

class HttpServer::PrefixRoutes final : public Routes {
 public:
  PrefixRoutes(HttpServer& server, std::string prefix) : server_(server), prefix_(std::move(prefix)) {}
  void Get(const std::string& pattern, Handler handler) override {
    server_.server_.Get(prefix_ + pattern, Guard(std::move(handler)));
  }
  void Post(const std::string& pattern, Handler handler) override {
    server_.server_.Post(prefix_ + pattern, Guard(std::move(handler)));
  }
  void Delete(const std::string& pattern, Handler handler) override {
    server_.server_.Delete(prefix_ + pattern, Guard(std::move(handler)));
  }
  void PostStream(const std::string& pattern, StreamHandler handler) override {
    server_.streaming_patterns_.emplace_back(prefix_ + pattern);
    server_.server_.Post(prefix_ + pattern, GuardStream(std::move(handler)));
  }
  void PutStream(const std::string& pattern, StreamHandler handler) override {
    server_.streaming_patterns_.emplace_back(prefix_ + pattern);
    server_.server_.Put(prefix_ + pattern, GuardStream(std::move(handler)));
  }

 private:
  // Exceptions stop here: a handler bug is a 500, never a dead worker.
  static httplib::Server::Handler Guard(Handler handler) {
    return [handler = std::move(handler)](const httplib::Request& req, httplib::Response& res) {
      try {
        handler(req, res);
      } catch (const std::exception& e) {
        SendError(res, Status::Internal(std::string("unexpected error: ") + e.what()));
      }
    };
  }
  static httplib::Server::HandlerWithContentReader GuardStream(StreamHandler handler) {
    return [handler = std::move(handler)](const httplib::Request& req, httplib::Response& res,
                                          const httplib::ContentReader& reader) {
      try {
        handler(req, res, reader);
      } catch (const std::exception& e) {
        SendError(res, Status::Internal(std::string("unexpected error: ") + e.what()));
      }
    };
  }

  HttpServer& server_;
  std::string prefix_;
};

HttpServer::HttpServer(ServerOptions options) : options_(std::move(options)) {
  const int threads = options_.threads;
  server_.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  server_.set_keep_alive_timeout(options_.keep_alive_timeout_s);
  server_.set_read_timeout(options_.read_timeout_s, 0);
  server_.set_write_timeout(options_.write_timeout_s, 0);
  // Streaming handlers count bytes themselves; this only bounds what httplib buffers.
  server_.set_payload_max_length(std::numeric_limits<size_t>::max());

  server_.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    request_start = std::chrono::steady_clock::now();
    for (const auto& pattern : proxy_patterns_) {
      if (!std::regex_match(req.path, pattern) || !req.has_header("Content-Type")) continue;
      // httplib parses a multipart body itself whenever Content-Type says
      // multipart; a proxy must pass the bytes through untouched, so the header
      // is moved aside before the body is read. The request object is ours
      // (httplib's own, non-const), handed to this hook as const.
      auto& headers = const_cast<httplib::Request&>(req).headers;
      auto it = headers.find("Content-Type");
      std::string value = it->second;
      headers.erase(it);
      headers.emplace(kProxiedContentType, std::move(value));
      break;
    }
    int64_t length = ContentLength(req);
    if (length > static_cast<int64_t>(options_.max_json_body_bytes)) {
      bool streaming = false;
      for (const auto& pattern : streaming_patterns_) {
        if (std::regex_match(req.path, pattern)) {
          streaming = true;
          break;
        }
      }
      if (!streaming) {
        SendErrorWithoutReadingBody(res, Status::TooLarge("the request body is larger than " +
                                                          std::to_string(options_.max_json_body_bytes) + " bytes"));
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  server_.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty() || res.content_provider_) return;  // an answer of our own (or a proxied one)
    std::string message = res.status == 404 ? "no route for " + req.method + " " + req.path
                                            : "HTTP " + std::to_string(res.status);
    SendJson(res, res.status, {{"error", {{"code", ErrorCodeForHttpStatus(res.status)}, {"message", message}}}});
  });
  server_.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unexpected error";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what += std::string(": ") + e.what();
    } catch (...) {
    }
    SendError(res, Status::Internal(what));
  });
  server_.set_logger([](const httplib::Request& req, const httplib::Response& res) {
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - request_start).count();
    nlohmann::json fields = {{"method", req.method},
                             {"path", req.path},
                             {"status", res.status},
                             {"duration_ms", std::round(ms * 100) / 100},
                             {"response_bytes", res.content_provider_ ? res.content_length_ : res.body.size()}};
    if (res.status >= 500) log::Warn("request", fields);
    else log::Info("request", fields);
  });
}

HttpServer::~HttpServer() { Stop(); }

Routes& HttpServer::routes(const std::string& prefix) {
  route_sets_.push_back(std::make_unique<PrefixRoutes>(*this, prefix));
  return *route_sets_.back();
}

void HttpServer::ProxyAll(const std::string& pattern, ProxyHandler handler) {
  streaming_patterns_.emplace_back(pattern);
  proxy_patterns_.emplace_back(pattern);
  auto guarded = std::make_shared<ProxyHandler>(
      [handler = std::move(handler)](const httplib::Request& req, httplib::Response& res,
                                     const httplib::ContentReader* body) {
        try {
          handler(req, res, body);
        } catch (const std::exception& e) {
          SendError(res, Status::Internal(std::string("unexpected error: ") + e.what()));
        }
      });
  server_.Get(pattern, [guarded](const httplib::Request& req, httplib::Response& res) { (*guarded)(req, res, nullptr); });
  auto with_body = [guarded](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& body) {
    (*guarded)(req, res, &body);
  };
  server_.Post(pattern, with_body);
  server_.Put(pattern, with_body);
  server_.Delete(pattern, with_body);
}

Result<int> HttpServer::Bind() {
  int port = options_.port == 0 ? server_.bind_to_any_port(options_.host)
                                : (server_.bind_to_port(options_.host, options_.port) ? options_.port : -1);
  if (port < 0) {
    return Status::Unavailable("cannot listen on " + options_.host + ":" + std::to_string(options_.port) +
                                   " (address in use or not available)",
                               "listen_failed");
  }
  return port;
}

void HttpServer::Run() { server_.listen_after_bind(); }

void HttpServer::Stop() { server_.stop(); }

}  // namespace lakehouse::http
