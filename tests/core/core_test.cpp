#include <gtest/gtest.h>

#include "catalog/manifest.h"
#include "core/config.h"
#include "core/hash.h"
#include "core/ids.h"
#include "core/json_text.h"
#include "core/limiter.h"

namespace lakehouse {
namespace {

TEST(Ids, DatasetIdIsUuidV5OfTheNameInTheFixedNamespace) {
  // Reference value from Python: uuid.uuid5(UUID('a8f3c1d2-...'), 'workers_500k').
  EXPECT_EQ(DatasetIdForName("workers_500k"), "d380f6b5-dd01-5e97-8b03-e59971ef85bb");
  EXPECT_EQ(DatasetIdForName("workers_500k"), DatasetIdForName("workers_500k"));
  EXPECT_NE(DatasetIdForName("workers"), DatasetIdForName("workers_500k"));
}

TEST(Ids, DatasetNameValidation) {
  for (const char* good : {"workers", "_tmp", "W2", "a_b_9"}) EXPECT_TRUE(ValidateDatasetName(good).ok()) << good;
  for (const char* bad : {"", "9lives", "has-dash", "has space", "a.b", "x/y", "é"}) {
    EXPECT_EQ(ValidateDatasetName(bad).code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_TRUE(ValidateDatasetName(std::string(128, 'a')).ok());
  EXPECT_FALSE(ValidateDatasetName(std::string(129, 'a')).ok());
}

TEST(Hash, Sha256KnownVector) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Fingerprint, SeparatesNameAndTypeAndPairsWithUnitAndRecordSeparators) {
  std::vector<Column> columns = {{"a", "BIGINT"}, {"b", "VARCHAR"}};
  EXPECT_EQ(SchemaFingerprint(columns), Sha256Hex("a\x1f" "BIGINT\x1e" "b\x1f" "VARCHAR"));
  std::vector<Column> swapped = {{"b", "VARCHAR"}, {"a", "BIGINT"}};
  EXPECT_NE(SchemaFingerprint(columns), SchemaFingerprint(swapped));
  // A comma inside a name cannot collide with a column boundary.
  EXPECT_NE(SchemaFingerprint({{"a,b", "INT"}}), SchemaFingerprint({{"a", "INT"}, {"b", "INT"}}));
}

TEST(Config, DefaultsWhenNoFile) {
  auto config = LoadConfig("");
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->server.listen, "127.0.0.1:3110");
  EXPECT_EQ(config->storage.data_dir, "./data");
}

TEST(Config, ParsesEveryKnownKey) {
  auto config = ParseConfig(R"(
[server]
listen = "127.0.0.1:9999"
threads = 8
[storage]
data_dir = "/tmp/x"
max_put_bytes = "2GiB"
[ingest]
compression = "zstd"
max_upload_bytes = 1024
[query]
timeout_ms = 1500
max_rows = 50
[log]
level = "debug"
)", "test.toml");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->server.listen, "127.0.0.1:9999");
  EXPECT_EQ(config->server.threads, 8);
  EXPECT_EQ(config->storage.max_put_bytes, 2ull << 30);
  EXPECT_EQ(config->ingest.compression, "zstd");
  EXPECT_EQ(config->ingest.max_upload_bytes, 1024u);
  EXPECT_EQ(config->query.timeout_ms, 1500);
  EXPECT_EQ(config->query.max_rows, 50u);
  EXPECT_EQ(config->log.level, "debug");
}

TEST(Config, UnknownKeysAndBadValuesNameTheKey) {
  auto unknown = ParseConfig("[query]\ntimeout = 5\n", "t.toml");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("query.timeout"), std::string::npos);

  auto section = ParseConfig("[querry]\ntimeout_ms = 5\n", "t.toml");
  ASSERT_FALSE(section.ok());
  EXPECT_NE(section.status().message().find("querry"), std::string::npos);

  auto type = ParseConfig("[query]\ntimeout_ms = \"fast\"\n", "t.toml");
  ASSERT_FALSE(type.ok());
  EXPECT_NE(type.status().message().find("query.timeout_ms"), std::string::npos);

  auto range = ParseConfig("[query]\nconnections = 0\n", "t.toml");
  ASSERT_FALSE(range.ok());
  EXPECT_NE(range.status().message().find("query.connections"), std::string::npos);

  auto choice = ParseConfig("[ingest]\ncompression = \"lz5\"\n", "t.toml");
  ASSERT_FALSE(choice.ok());
  EXPECT_NE(choice.status().message().find("ingest.compression"), std::string::npos);

  auto listen = ParseConfig("[server]\nlisten = \"localhost\"\n", "t.toml");
  ASSERT_FALSE(listen.ok());
  EXPECT_NE(listen.status().message().find("server.listen"), std::string::npos);

  auto syntax = ParseConfig("[server\n", "t.toml");
  ASSERT_FALSE(syntax.ok());
  EXPECT_NE(syntax.status().message().find("t.toml:1"), std::string::npos);
}

TEST(Config, ByteSizes) {
  EXPECT_EQ(*ParseByteSize("123"), 123u);
  EXPECT_EQ(*ParseByteSize("64KiB"), 65536u);
  EXPECT_EQ(*ParseByteSize("1.5GB"), 1500000000u);
  EXPECT_EQ(*ParseByteSize("512 MiB"), 512ull << 20);
  EXPECT_FALSE(ParseByteSize("lots").ok());
  EXPECT_FALSE(ParseByteSize("5 parsecs").ok());
}

TEST(JsonText, EscapesControlCharactersAndReplacesInvalidUtf8) {
  std::string out;
  AppendJsonString(out, "a\"b\\c\nd\x01 é \xff");
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\nd\\u0001 é \xEF\xBF\xBD\"");
  auto parsed = nlohmann::json::parse(out);
  EXPECT_EQ(parsed.get<std::string>(), "a\"b\\c\nd\x01 é \xEF\xBF\xBD");
}

TEST(Limiter, AdmitsUpToCapacityAndFreesOnRelease) {
  ConcurrencyLimiter limiter(2);
  auto a = limiter.TryEnter();
  auto b = limiter.TryEnter();
  EXPECT_TRUE(a && b);
  EXPECT_FALSE(limiter.TryEnter());
  a.reset();
  EXPECT_TRUE(limiter.TryEnter());
}

TEST(Status, HttpStatusOfEachCategory) {
  EXPECT_EQ(Status::InvalidArgument("x").http_status(), 400);
  EXPECT_EQ(Status::Forbidden("x").http_status(), 403);
  EXPECT_EQ(Status::NotFound("x").http_status(), 404);
  EXPECT_EQ(Status::Conflict("x").http_status(), 409);
  EXPECT_EQ(Status::TooLarge("x").http_status(), 413);
  EXPECT_EQ(Status::Unavailable("x").http_status(), 503);
  EXPECT_EQ(Status::Timeout("x").http_status(), 504);
  EXPECT_EQ(Status::Internal("x").http_status(), 500);
}

}  // namespace
}  // namespace lakehouse
