#include "http/curl_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>

#include "core/text.h"

namespace lakehouse::http {
namespace {

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct CurlDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct HeaderListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

}  // namespace

std::string CurlResponseHead::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return "";
}

namespace {

struct TransferState {
  CURL* handle = nullptr;
  const CurlRequest* request = nullptr;
  const std::function<bool(const CurlResponseHead&)>* on_head = nullptr;
  const std::function<bool(std::string_view)>* on_body = nullptr;
  CurlResponseHead head;
  bool head_delivered = false;
  bool aborted_by_callback = false;
  size_t body_offset = 0;  // for a string body

  bool DeliverHead() {
    if (head_delivered) return true;
    head_delivered = true;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &head.status);
    if (!(*on_head)(head)) {
      aborted_by_callback = true;
      return false;
    }
    return true;
  }
};

size_t CollectHeader(char* data, size_t size, size_t count, void* user) {
  auto* state = static_cast<TransferState*>(user);
  std::string_view line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0) {
    state->head.headers.clear();  // a new response (after 100 Continue or a redirect)
    return size * count;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * count;
  std::string name(line.substr(0, colon));
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  state->head.headers.emplace_back(std::move(name), std::string(TrimWhitespace(line.substr(colon + 1))));
  return size * count;
}

size_t DeliverBody(char* data, size_t size, size_t count, void* user) {
  auto* state = static_cast<TransferState*>(user);
  if (!state->DeliverHead()) return 0;
  if (!(*state->on_body)(std::string_view(data, size * count))) {
    state->aborted_by_callback = true;
    return 0;
  }
  return size * count;
}

size_t SupplyBody(char* buffer, size_t size, size_t count, void* user) {
  auto* state = static_cast<TransferState*>(user);
  const size_t max = size * count;
  if (state->request->read_body) {
    int64_t n = state->request->read_body(buffer, max);
    if (n < 0) {
      state->aborted_by_callback = true;
      return CURL_READFUNC_ABORT;
    }
    return static_cast<size_t>(n);
  }
  std::string_view body = state->request->body;
  size_t n = std::min(max, body.size() - state->body_offset);
  std::memcpy(buffer, body.data() + state->body_offset, n);
  state->body_offset += n;
  return n;
}

int CheckAbort(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* state = static_cast<TransferState*>(user);
  if (state->request->should_abort && state->request->should_abort()) {
    state->aborted_by_callback = true;
    return 1;
  }
  return 0;
}

}  // namespace

Result<CurlResponseHead> CurlTransfer(const CurlRequest& request, const std::string& who,
                                      const std::function<bool(const CurlResponseHead&)>& on_head,
                                      const std::function<bool(std::string_view)>& on_body) {
  GlobalInitOnce();
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return Status::Internal("cannot create a curl handle");
  CURL* h = curl.get();
  TransferState state;
  state.handle = h;
  state.request = &request;
  state.on_head = &on_head;
  state.on_body = &on_body;

  std::unique_ptr<curl_slist, HeaderListDeleter> header_list;
  auto add_header = [&](const std::string& header) -> Status {
    curl_slist* extended = curl_slist_append(header_list.get(), header.c_str());
    if (!extended) return Status::Internal("cannot build request headers");
    (void)header_list.release();
    header_list.reset(extended);
    return Status::Ok();
  };
  for (const auto& header : request.headers) LH_RETURN_IF_ERROR(add_header(header));
  // No 100-continue round trip: our peers read or refuse the body themselves.
  LH_RETURN_IF_ERROR(add_header("Expect:"));

  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  const bool has_body = request.read_body || !request.body.empty() ||
                        (request.method != "GET" && request.method != "HEAD" && request.method != "DELETE");
  if (request.method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (has_body) {
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, SupplyBody);
    curl_easy_setopt(h, CURLOPT_READDATA, &state);
    const int64_t size = request.read_body ? request.body_size : static_cast<int64_t>(request.body.size());
    if (size >= 0) {
      curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(size));
    } else {
      LH_RETURN_IF_ERROR(add_header("Transfer-Encoding: chunked"));
    }
    if (request.method != "PUT") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  } else if (request.method != "GET") {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, header_list.get());
  if (!request.aws_sigv4.empty()) {
    curl_easy_setopt(h, CURLOPT_AWS_SIGV4, request.aws_sigv4.c_str());
    curl_easy_setopt(h, CURLOPT_USERPWD, request.user_password.c_str());
  }
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.connect_timeout_ms));
  if (request.timeout_ms > 0) curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout_ms));
  if (request.stall_timeout_ms > 0) {
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, std::max(1L, static_cast<long>(request.stall_timeout_ms / 1000)));
  }
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, CollectHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &state);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, DeliverBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &state);
  curl_easy_setopt(h, CURLOPT_BUFFERSIZE, 256L * 1024);
  curl_easy_setopt(h, CURLOPT_UPLOAD_BUFFERSIZE, 256L * 1024);
  if (request.should_abort) {
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, CheckAbort);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &state);
  }

  CURLcode code = curl_easy_perform(h);
  if (state.aborted_by_callback) return Status::Unavailable("transfer with " + who + " aborted", "transfer_aborted");
  if (code == CURLE_OPERATION_TIMEDOUT) {
    return Status::BadGateway(who + " did not answer in time", "upstream_timeout");
  }
  if (code != CURLE_OK) {
    return Status::BadGateway("cannot reach " + who + ": " + curl_easy_strerror(code), "upstream_unreachable");
  }
  if (!state.DeliverHead()) return Status::Unavailable("transfer with " + who + " aborted", "transfer_aborted");
  return state.head;
}

Result<CurlAnswer> CurlFetch(const CurlRequest& request, const std::string& who) {
  CurlAnswer answer;
  LH_ASSIGN_OR_RETURN(answer.head, CurlTransfer(request, who, [](const CurlResponseHead&) { return true; },
                                                [&](std::string_view piece) {
                                                  answer.body.append(piece);
                                                  return true;
                                                }));
  return answer;
}

std::string UriEncode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  return out;
}

}  // namespace lakehouse::http
