#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <nlohmann/json.hpp>
#include <thread>

#include "embed/builtin_embedder.h"
#include "embed/caching_embedder.h"
#include "embed/http_embedder.h"
#include "test_util.h"

namespace lakehouse {
namespace {

double Cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double dot = 0, na = 0, nb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / std::sqrt(na * nb);
}

std::vector<float> Embed(BuiltinEmbedder& embedder, const std::string& text) {
  std::vector<float> v(embedder.dimension());
  embedder.EmbedOne(text, v.data());
  return v;
}

TEST(BuiltinEmbedder, DeterministicAndUnitLength) {
  BuiltinEmbedder a(384), b(384);
  const std::string text = "Forklift operator, OSHA-30 certified; night shift in Joliet, IL.";
  auto va = Embed(a, text), vb = Embed(b, text);
  EXPECT_EQ(va, vb);
  // Pinned: the hashing is specified to be the same on every machine and run,
  // so persisted vectors stay comparable. A change here is a model change.
  double fingerprint = 0;
  for (size_t i = 0; i < va.size(); ++i) fingerprint += va[i] * static_cast<double>(i % 7 + 1);
  EXPECT_NEAR(fingerprint, -5.188404519110918, 1e-4);
  for (const std::string& t : {std::string("a"), std::string("CNC"), text, std::string(5000, 'x')}) {
    auto v = Embed(a, t);
    double norm = 0;
    for (float x : v) norm += x * x;
    EXPECT_NEAR(norm, 1.0, 1e-5) << t;
  }
  auto empty = Embed(a, " ,;!? ");
  for (float x : empty) EXPECT_EQ(x, 0.0f);
  // Case and punctuation do not matter.
  EXPECT_EQ(Embed(a, "Welder, MIG"), Embed(a, "welder mig"));
  auto result = a.Embed({"x", "y"}, "");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->model, kBuiltinModel);
  EXPECT_EQ(result->dimension, 384u);
  EXPECT_EQ(a.Embed({"x"}, "nomic-embed-text").status().error_code(), "unknown_model");
}

TEST(BuiltinEmbedder, SimilarTextsAreCloserThanUnrelatedOnes) {
  BuiltinEmbedder embedder(384);
  struct Triple {
    std::string anchor, similar, unrelated;
  };
  // Each similar text shares words or word pieces with its anchor; each
  // unrelated text is another trade.
  const std::vector<Triple> triples = {
      {"forklift driver OSHA-30 warehouse", "warehouse forklift operator with OSHA 30", "registered nurse ICU night shift"},
      {"electrician industrial wiring", "industrial electrician, conduit and wiring", "dental hygienist cleaning teeth"},
      {"CNC operator first article inspection gauge R&R", "CNC machinist, first-article and gauge R&R studies",
       "bilingual warehouse picker"},
      {"welder MIG TIG structural steel", "structural welding (MIG/TIG) on steel", "certified nursing assistant"},
      {"warehouse picker night shift bilingual", "bilingual order picker for night shifts in a warehouse",
       "electrical panel installation"},
      {"truck driver CDL class A", "CDL-A truck driving, long haul", "line cook kitchen prep"},
  };
  for (const auto& t : triples) {
    auto anchor = Embed(embedder, t.anchor);
    double similar = Cosine(anchor, Embed(embedder, t.similar));
    double unrelated = Cosine(anchor, Embed(embedder, t.unrelated));
    EXPECT_GT(similar, unrelated + 0.15) << t.anchor << ": similar " << similar << ", unrelated " << unrelated;
  }
  // Morphology: word pieces are shared.
  EXPECT_GT(Cosine(Embed(embedder, "welding"), Embed(embedder, "welder")),
            Cosine(Embed(embedder, "welding"), Embed(embedder, "nurse")) + 0.2);
}

// Counts calls so the cache's effect is visible (our own interface; no
// external system is being imitated here).
class CountingEmbedder final : public Embedder {
 public:
  std::string_view provider() const override { return "builtin"; }
  const std::string& default_model() const override { return inner_.default_model(); }
  Result<Embeddings> Embed(const std::vector<std::string>& texts, const std::string& model) override {
    ++calls;
    texts_embedded += texts.size();
    return inner_.Embed(texts, model);
  }
  std::atomic<int> calls{0};
  std::atomic<size_t> texts_embedded{0};

 private:
  BuiltinEmbedder inner_{64};
};

TEST(CachingEmbedder, RepeatedTextsAreNotEmbeddedAgainAndOldOnesAreEvicted) {
  auto counting = std::make_unique<CountingEmbedder>();
  CountingEmbedder* inner = counting.get();
  CachingEmbedder cache(std::move(counting), 3);
  auto first = cache.Embed({"a", "b", "a"}, "");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(inner->texts_embedded, 2u) << "a text repeated in one call is embedded once";
  EXPECT_EQ(first->vectors[0], first->vectors[2]);
  auto second = cache.Embed({"b", "a"}, "");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(inner->calls, 1) << "all hits: no call to the provider";
  EXPECT_EQ(second->vectors[1], first->vectors[0]);
  EXPECT_EQ(cache.Stats().hits, 2u + 0u);
  // c, d push out the least recently used entry (b was used before a).
  ASSERT_TRUE(cache.Embed({"c", "d"}, "").ok());
  EXPECT_EQ(cache.Stats().entries, 3u);
  inner->texts_embedded = 0;
  ASSERT_TRUE(cache.Embed({"a"}, "").ok());
  EXPECT_EQ(inner->texts_embedded, 0u);
  ASSERT_TRUE(cache.Embed({"b"}, "").ok());
  EXPECT_EQ(inner->texts_embedded, 1u);
  CacheStats stats = cache.Stats();
  EXPECT_EQ(stats.misses, 3u + 2u + 1u);  // a repeated miss in one call counts twice
  EXPECT_EQ(stats.capacity, 3u);
}

// A small local HTTP server that speaks the Ollama and OpenAI embedding
// protocols. It stands in for Ollama and OpenAI, which cannot run here; each
// test scripts how it answers.
class FakeUpstream {
 public:
  std::function<void(const httplib::Request&, httplib::Response&)> handler;
  std::atomic<int> requests{0};
  std::string last_authorization;

  FakeUpstream() {
    auto route = [this](const httplib::Request& req, httplib::Response& res) {
      ++requests;
      last_authorization = req.get_header_value("Authorization");
      handler(req, res);
    };
    server_.Post("/api/embed", route);
    server_.Post("/v1/embeddings", route);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~FakeUpstream() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // Answers each input text with [len, 1, 0] in the protocol of the path.
  static void Embeddings(const httplib::Request& req, httplib::Response& res) {
    auto body = nlohmann::json::parse(req.body);
    nlohmann::json vectors = nlohmann::json::array();
    for (const auto& t : body["input"]) vectors.push_back({t.get<std::string>().size(), 1, 0});
    if (req.path == "/api/embed") {
      res.set_content(nlohmann::json{{"model", body["model"]}, {"embeddings", vectors}}.dump(), "application/json");
    } else {
      nlohmann::json data = nlohmann::json::array();
      // Out of order on purpose: clients must use "index".
      for (size_t i = vectors.size(); i-- > 0;) data.push_back({{"index", i}, {"embedding", vectors[i]}});
      res.set_content(nlohmann::json{{"data", data}, {"model", body["model"]}}.dump(), "application/json");
    }
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

HttpEmbedderOptions Options(const std::string& provider, const std::string& url) {
  HttpEmbedderOptions o;
  o.provider = provider;
  o.url = provider == "openai" ? url + "/v1" : url;
  o.model = "m1";
  o.batch_size = 4;
  o.parallel_requests = 2;
  o.timeout_ms = 2000;
  o.max_retries = 2;
  o.backoff_ms = 10;
  return o;
}

TEST(HttpEmbedder, BatchesBothProtocols) {
  FakeUpstream upstream;
  upstream.handler = FakeUpstream::Embeddings;
  std::vector<std::string> texts;
  for (int i = 0; i < 10; ++i) texts.push_back(std::string(static_cast<size_t>(i + 1), 'x'));
  for (const std::string& provider : std::vector<std::string>{"ollama", "openai"}) {
    upstream.requests = 0;
    HttpEmbedder embedder(Options(provider, upstream.url()));
    auto result = embedder.Embed(texts, "");
    ASSERT_TRUE(result.ok()) << provider << ": " << result.status().ToString();
    EXPECT_EQ(upstream.requests, 3) << provider << ": 10 texts in batches of 4";
    EXPECT_EQ(result->model, "m1");
    EXPECT_EQ(result->dimension, 3u);
    for (int i = 0; i < 10; ++i) EXPECT_EQ(result->vectors[i][0], i + 1.0f) << provider << " text " << i;
  }
}

TEST(HttpEmbedder, RetriesThrottlingAndServerErrors) {
  FakeUpstream upstream;
  std::atomic<int> failures_left{2};
  upstream.handler = [&](const httplib::Request& req, httplib::Response& res) {
    if (failures_left-- > 0) {
      res.status = failures_left == 1 ? 429 : 503;
      res.set_header("Retry-After", "0");
      res.set_content(R"({"error":"busy"})", "application/json");
      return;
    }
    FakeUpstream::Embeddings(req, res);
  };
  HttpEmbedder embedder(Options("ollama", upstream.url()));
  auto result = embedder.Embed({"abc"}, "");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(upstream.requests, 3);

  upstream.requests = 0;
  upstream.handler = [](const httplib::Request&, httplib::Response& res) {
    res.status = 500;
    res.set_content(R"({"error":"model runner crashed"})", "application/json");
  };
  auto failed = embedder.Embed({"abc"}, "");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().http_status(), 502);
  EXPECT_NE(failed.status().message().find("model runner crashed"), std::string::npos) << failed.status().message();
  EXPECT_EQ(upstream.requests, 3) << "1 try + 2 retries";

  upstream.requests = 0;
  upstream.handler = [](const httplib::Request&, httplib::Response& res) {
    res.status = 404;
    res.set_content(R"({"error":"model \"m1\" not found, try pulling it first"})", "application/json");
  };
  failed = embedder.Embed({"abc"}, "");
  EXPECT_EQ(failed.status().error_code(), "upstream_error");
  EXPECT_NE(failed.status().message().find("not found"), std::string::npos);
  EXPECT_EQ(upstream.requests, 1) << "a 4xx other than 429 is not retried";
}

TEST(HttpEmbedder, MalformedRepliesTimeoutsAndDeadUpstreams) {
  FakeUpstream upstream;
  for (const std::string& body : {std::string("not json"), std::string(R"({"embeddings":[[1,2]]})"),
                                 std::string(R"({"embeddings":[[1,2],["x",3]]})"),
                                 std::string(R"({"embeddings":[[1,2],[1,2,3]]})"), std::string(R"({"other":1})")}) {
    upstream.handler = [&](const httplib::Request&, httplib::Response& res) {
      res.set_content(body, "application/json");
    };
    HttpEmbedder embedder(Options("ollama", upstream.url()));
    auto result = embedder.Embed({"a", "b"}, "");
    ASSERT_FALSE(result.ok()) << body;
    EXPECT_EQ(result.status().error_code(), "upstream_malformed") << body;
    EXPECT_EQ(result.status().http_status(), 502);
  }
  upstream.handler = [](const httplib::Request& req, httplib::Response& res) {
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    FakeUpstream::Embeddings(req, res);
  };
  HttpEmbedderOptions slow = Options("ollama", upstream.url());
  slow.timeout_ms = 200;
  slow.max_retries = 1;
  auto timed_out = HttpEmbedder(slow).Embed({"a"}, "");
  EXPECT_EQ(timed_out.status().error_code(), "upstream_timeout");
  EXPECT_EQ(timed_out.status().http_status(), 502);

  HttpEmbedderOptions dead = Options("ollama", "http://127.0.0.1:1");
  dead.max_retries = 1;
  auto unreachable = HttpEmbedder(dead).Embed({"a"}, "");
  EXPECT_EQ(unreachable.status().error_code(), "upstream_unreachable");
}

TEST(HttpEmbedder, ApiKeyIsSentButNeverEchoed) {
  FakeUpstream upstream;
  upstream.handler = [](const httplib::Request& req, httplib::Response& res) {
    res.status = 401;
    res.set_content(nlohmann::json{{"error", {{"message", "Incorrect API key provided: " +
                                                              req.get_header_value("Authorization").substr(7)}}}}
                        .dump(),
                    "application/json");
  };
  HttpEmbedderOptions options = Options("openai", upstream.url());
  options.api_key = "sk-test-0123456789";
  auto result = HttpEmbedder(options).Embed({"a"}, "");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(upstream.last_authorization, "Bearer sk-test-0123456789");
  EXPECT_EQ(result.status().message().find("sk-test-0123456789"), std::string::npos) << result.status().message();
  EXPECT_NE(result.status().message().find("[redacted]"), std::string::npos) << result.status().message();
}

}  // namespace
}  // namespace lakehouse
