#include "vector/vector_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <set>

#include "gen/vectors.h"
#include "test_util.h"
#include "vector/batch_codec.h"

namespace lakehouse {
namespace {

IndexParams Params(uint32_t dimension, Metric metric = Metric::kCosine,
                   VectorStorage storage = VectorStorage::kFloat32) {
  IndexParams p;
  p.name = "test";
  p.dimension = dimension;
  p.metric = metric;
  p.storage = storage;
  p.m = 12;
  p.ef_construction = 100;
  p.ef_search = 64;
  return p;
}

std::unique_ptr<VectorIndex> NewIndex(const IndexParams& params) {
  auto index = VectorIndex::Create(params, 2);
  EXPECT_TRUE(index.ok()) << index.status().ToString();
  return std::move(index).value();
}

// Items "<prefix>0".. with vectors from `vectors` (count x dimension).
AddBatch MakeBatch(const std::vector<float>& vectors, uint32_t dimension, const std::string& prefix,
                   size_t first = 0, size_t count = SIZE_MAX) {
  AddBatch batch;
  batch.dimension = dimension;
  const size_t total = vectors.size() / dimension;
  for (size_t i = first; i < std::min(total, first + count); ++i) {
    batch.ids.push_back(prefix + std::to_string(i));
    batch.vectors.insert(batch.vectors.end(), vectors.begin() + i * dimension, vectors.begin() + (i + 1) * dimension);
    batch.metadata.emplace_back(nlohmann::json{{"group", static_cast<int>(i % 100)}, {"n", i}}.dump());
  }
  return batch;
}

std::vector<SearchHit> Search(const VectorIndex& index, const float* v, size_t k,
                              const MetadataFilter* filter = nullptr) {
  SearchRequest request;
  request.vector = v;
  request.k = k;
  request.filter = filter;
  auto hits = index.Search(request);
  EXPECT_TRUE(hits.ok()) << hits.status().ToString();
  return hits.ok() ? *hits : std::vector<SearchHit>{};
}

TEST(VectorIndex, RejectsBadParameters) {
  IndexParams p = Params(8);
  p.dimension = 0;
  EXPECT_FALSE(VectorIndex::Create(p, 1).ok());
  p = Params(8);
  p.m = 1;
  EXPECT_FALSE(VectorIndex::Create(p, 1).ok());
  p = Params(8);
  p.name = "bad name";
  EXPECT_EQ(VectorIndex::Create(p, 1).status().error_code(), "invalid_name");
  EXPECT_FALSE(IndexParamsFromJson({{"name", "x"}, {"dimension", 4}, {"metric", "hamming"}}).ok());
  EXPECT_FALSE(IndexParamsFromJson({{"name", "x"}, {"dimension", -4}}).ok());
  EXPECT_FALSE(IndexParamsFromJson({{"name", "x"}, {"dimension", 4}, {"colour", 1}}).ok());
  auto defaults = IndexParamsFromJson({{"name", "x"}, {"dimension", 4}});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->metric, Metric::kCosine);
  EXPECT_EQ(defaults->m, 16u);
}

TEST(VectorIndex, FindsStoredVectorsAndSortsByDistance) {
  const uint32_t d = 32;
  auto vectors = ClusteredVectors({.count = 2000, .dimension = d, .clusters = 40, .seed = 1});
  auto index = NewIndex(Params(d));
  auto outcome = index->Add(MakeBatch(vectors, d, "w"));
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->added, 2000u);
  EXPECT_EQ(index->Stats().count, 2000u);
  size_t self_hits = 0;
  for (size_t i = 0; i < 2000; i += 97) {
    auto hits = Search(*index, &vectors[i * d], 10);
    ASSERT_EQ(hits.size(), 10u);
    self_hits += hits[0].id == "w" + std::to_string(i);
    EXPECT_NEAR(hits[0].distance, 0.0f, 1e-4);
    for (size_t j = 1; j < hits.size(); ++j) EXPECT_LE(hits[j - 1].distance, hits[j].distance);
    EXPECT_EQ(nlohmann::json::parse(hits[0].metadata)["group"], static_cast<int>(i % 100));
  }
  EXPECT_EQ(self_hits, 21u);
}

TEST(VectorIndex, UpsertReplacesVectorAndFollowsMetadataRules) {
  const uint32_t d = 4;
  auto index = NewIndex(Params(d, Metric::kL2));
  AddBatch first{d, {"a", "b"}, {1, 0, 0, 0, 0, 1, 0, 0}, {R"({"city":"Chicago"})", R"({"city":"Peoria"})"}};
  ASSERT_TRUE(index->Add(first).ok());
  // a: new vector, metadata omitted (kept); b: metadata {} (cleared).
  AddBatch second{d, {"a", "b"}, {0, 0, 5, 0, 0, 0, 0, 5}, {std::nullopt, ""}};
  auto outcome = index->Add(second);
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->added, 0u);
  EXPECT_EQ(outcome->updated, 2u);
  EXPECT_EQ(index->Stats().count, 2u);
  auto a = index->Get("a");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->vector, (std::vector<float>{0, 0, 5, 0}));
  EXPECT_EQ(a->metadata, R"({"city":"Chicago"})");
  auto b = index->Get("b");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->metadata, "");
  float query[] = {0, 0, 5, 0};
  auto hits = Search(*index, query, 1);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].id, "a");
  EXPECT_FLOAT_EQ(hits[0].distance, 0.0f);
  // A third update sets new metadata.
  ASSERT_TRUE(index->Add({d, {"a"}, {0, 0, 5, 0}, {R"({"city":"Joliet"})"}}).ok());
  EXPECT_EQ(index->Get("a")->metadata, R"({"city":"Joliet"})");
}

TEST(VectorIndex, RejectsEveryBadItemAndAppliesNothing) {
  const uint32_t d = 3;
  auto index = NewIndex(Params(d));
  ASSERT_TRUE(index->Add({d, {"keep"}, {1, 2, 3}, {std::nullopt}}).ok());
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  struct Case {
    std::string name;
    AddBatch batch;
    std::string expected_fragment;
  };
  std::vector<Case> cases = {
      {"nan", {d, {"x", "y"}, {1, 1, 1, 1, nan, 1}, {std::nullopt, std::nullopt}}, "item 1 (id \"y\")"},
      {"inf", {d, {"x", "y"}, {1, 1, 1, inf, 1, 1}, {std::nullopt, std::nullopt}}, "NaN or infinite"},
      {"zero under cosine", {d, {"x", "z"}, {1, 1, 1, 0, 0, 0}, {std::nullopt, std::nullopt}}, "zero vector"},
      {"duplicate", {d, {"x", "x"}, {1, 1, 1, 2, 2, 2}, {std::nullopt, std::nullopt}}, "more than once"},
      {"empty id", {d, {"x", ""}, {1, 1, 1, 2, 2, 2}, {std::nullopt, std::nullopt}}, "id is empty"},
      {"long id", {d, {"x", std::string(257, 'i')}, {1, 1, 1, 2, 2, 2}, {std::nullopt, std::nullopt}},
       "longer than 256"},
      {"bad utf8", {d, {"x", "\xff\xfe"}, {1, 1, 1, 2, 2, 2}, {std::nullopt, std::nullopt}}, "UTF-8"},
  };
  for (const auto& c : cases) {
    auto outcome = index->Add(c.batch);
    ASSERT_FALSE(outcome.ok()) << c.name;
    EXPECT_EQ(outcome.status().code(), StatusCode::kInvalidArgument) << c.name;
    EXPECT_NE(outcome.status().message().find(c.expected_fragment), std::string::npos)
        << c.name << ": " << outcome.status().message();
    EXPECT_EQ(index->Stats().count, 1u) << c.name;
    EXPECT_FALSE(index->Get("x").ok()) << c.name << ": the good item of a rejected batch was applied";
  }
  auto wrong_dimension = index->Add({4, {"x"}, {1, 2, 3, 4}, {std::nullopt}});
  EXPECT_EQ(wrong_dimension.status().error_code(), "dimension_mismatch");
  // Under l2 a zero vector is fine; under fp16 values past 65504 are not.
  auto l2 = NewIndex(Params(d, Metric::kL2));
  EXPECT_TRUE(l2->Add({d, {"origin"}, {0, 0, 0}, {std::nullopt}}).ok());
  auto half = NewIndex(Params(d, Metric::kL2, VectorStorage::kFloat16));
  EXPECT_FALSE(half->Add({d, {"big"}, {1e6f, 0, 0}, {std::nullopt}}).ok());
  // Queries are checked too.
  float zero[] = {0, 0, 0};
  SearchRequest request;
  request.vector = zero;
  EXPECT_FALSE(index->Search(request).ok());
  float fine[] = {1, 0, 0};
  request.vector = fine;
  request.k = 0;
  EXPECT_FALSE(index->Search(request).ok());
  request.k = 1001;
  EXPECT_FALSE(index->Search(request).ok());
}

TEST(VectorIndex, SelectiveFilterStillReturnsK) {
  const uint32_t d = 16;
  auto vectors = ClusteredVectors({.count = 3000, .dimension = d, .clusters = 30, .seed = 2});
  auto index = NewIndex(Params(d));
  ASSERT_TRUE(index->Add(MakeBatch(vectors, d, "w")).ok());
  // group 7 holds 30 of 3000 items (1%), spread over every cluster.
  auto filter = MetadataFilter::FromJson({{"group", 7}});
  ASSERT_TRUE(filter.ok());
  auto hits = Search(*index, &vectors[0], 25, &*filter);
  ASSERT_EQ(hits.size(), 25u);
  for (const auto& hit : hits) EXPECT_EQ(nlohmann::json::parse(hit.metadata)["group"], 7);
  // The filtered answer matches an exact scan of group 7.
  std::vector<std::pair<float, std::string>> exact;
  for (size_t i = 7; i < 3000; i += 100) {
    double dot = 0, na = 0, nb = 0;
    for (uint32_t j = 0; j < d; ++j) {
      dot += vectors[j] * vectors[i * d + j];
      na += vectors[j] * vectors[j];
      nb += vectors[i * d + j] * vectors[i * d + j];
    }
    exact.emplace_back(static_cast<float>(1 - dot / std::sqrt(na * nb)), "w" + std::to_string(i));
  }
  std::sort(exact.begin(), exact.end());
  std::set<std::string> expected, got;
  for (size_t i = 0; i < 25; ++i) expected.insert(exact[i].second);
  for (const auto& hit : hits) got.insert(hit.id);
  EXPECT_EQ(got, expected);

  auto in_filter = MetadataFilter::FromJson({{"group", {{"in", {3, 4}}}}});
  ASSERT_TRUE(in_filter.ok());
  hits = Search(*index, &vectors[0], 60, &*in_filter);
  ASSERT_EQ(hits.size(), 60u);
  for (const auto& hit : hits) {
    int group = nlohmann::json::parse(hit.metadata)["group"];
    EXPECT_TRUE(group == 3 || group == 4);
  }
  // Fewer matches than k: all of them, no padding.
  auto rare = MetadataFilter::FromJson({{"n", 42}});
  ASSERT_TRUE(rare.ok());
  hits = Search(*index, &vectors[0], 10, &*rare);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].id, "w42");
  EXPECT_FALSE(MetadataFilter::FromJson({{"group", {{"between", {1, 2}}}}}).ok());
  EXPECT_FALSE(MetadataFilter::FromJson(nlohmann::json::array()).ok());

  // An explicit candidate set (what SQL `where` produces) restricts the search.
  std::vector<std::string> allowed = {"w5", "w1500", "w2999", "unknown"};
  SearchRequest request;
  request.vector = &vectors[0];
  request.k = 10;
  request.allowed_ids = &allowed;
  auto restricted = index->Search(request);
  ASSERT_TRUE(restricted.ok());
  ASSERT_EQ(restricted->size(), 3u);
  for (const auto& hit : *restricted) EXPECT_NE(std::find(allowed.begin(), allowed.end(), hit.id), allowed.end());
}

TEST(VectorIndex, DeletedSlotsAreReused) {
  const uint32_t d = 16;
  auto vectors = ClusteredVectors({.count = 1500, .dimension = d, .clusters = 20, .seed = 3});
  auto index = NewIndex(Params(d));
  ASSERT_TRUE(index->Add(MakeBatch(vectors, d, "w", 0, 1000)).ok());
  const IndexStats before = index->Stats();
  std::vector<std::string> doomed;
  for (int i = 0; i < 1000; i += 2) doomed.push_back("w" + std::to_string(i));
  doomed.push_back("never-added");
  DeleteOutcome deleted = index->Delete(doomed);
  EXPECT_EQ(deleted.deleted, 500u);
  EXPECT_EQ(deleted.missing, std::vector<std::string>{"never-added"});
  EXPECT_EQ(index->Stats().count, 500u);
  EXPECT_EQ(index->Get("w0").status().code(), StatusCode::kNotFound);
  for (const auto& hit : Search(*index, &vectors[0], 50)) {
    EXPECT_EQ(std::stoi(hit.id.substr(1)) % 2, 1) << "deleted item " << hit.id << " returned";
  }
  // 500 new IDs take the 500 free slots: the graph does not grow.
  auto outcome = index->Add(MakeBatch(vectors, d, "w", 1000, 500));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->added, 500u);
  const IndexStats after = index->Stats();
  EXPECT_EQ(after.count, 1000u);
  EXPECT_EQ(after.slots, before.slots);
  EXPECT_EQ(after.capacity, before.capacity);
  auto hits = Search(*index, &vectors[1200 * d], 1);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].id, "w1200");
  // A deleted ID can come back.
  ASSERT_TRUE(index->Add(MakeBatch(vectors, d, "w", 0, 1)).ok());
  EXPECT_TRUE(index->Get("w0").ok());
}

TEST(VectorIndex, SnapshotRoundTrip) {
  const uint32_t d = 24;
  auto vectors = ClusteredVectors({.count = 1200, .dimension = d, .clusters = 12, .seed = 4});
  auto index = NewIndex(Params(d, Metric::kL2));
  ASSERT_TRUE(index->Add(MakeBatch(vectors, d, "w")).ok());
  index->Delete({"w3", "w4"});
  TempPath dir = testing::MakeTestDir();
  std::ofstream graph(dir.path() / "graph", std::ios::binary), items(dir.path() / "items", std::ios::binary);
  auto sink = [](std::ofstream& out) {
    return [&out](std::string_view piece) {
      out.write(piece.data(), static_cast<std::streamsize>(piece.size()));
      return Status::Ok();
    };
  };
  ASSERT_TRUE(index->WriteSnapshot(sink(graph), sink(items)).ok());
  graph.close();
  items.close();
  auto loaded = VectorIndex::LoadSnapshot(Params(d, Metric::kL2), 2, dir.path() / "graph", dir.path() / "items");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ((*loaded)->Stats().count, 1198u);
  EXPECT_EQ((*loaded)->Stats().slots, 1200u);
  EXPECT_FALSE((*loaded)->Get("w3").ok());
  for (size_t i = 10; i < 1200; i += 111) {
    auto a = Search(*index, &vectors[i * d], 5);
    auto b = Search(**loaded, &vectors[i * d], 5);
    ASSERT_EQ(a.size(), b.size());
    for (size_t j = 0; j < a.size(); ++j) {
      EXPECT_EQ(a[j].id, b[j].id);
      EXPECT_EQ(a[j].metadata, b[j].metadata);
    }
  }
  // The loaded index keeps working: new items, and the free slots are reused.
  ASSERT_TRUE((*loaded)->Add({d, {"new1", "new2"}, std::vector<float>(vectors.begin(), vectors.begin() + 2 * d),
                              {std::nullopt, std::nullopt}})
                  .ok());
  EXPECT_EQ((*loaded)->Stats().slots, 1200u);
  EXPECT_EQ((*loaded)->Stats().count, 1200u);

  // A truncated graph file is refused, not loaded.
  std::filesystem::resize_file(dir.path() / "graph", std::filesystem::file_size(dir.path() / "graph") - 7);
  EXPECT_EQ(VectorIndex::LoadSnapshot(Params(d, Metric::kL2), 2, dir.path() / "graph", dir.path() / "items")
                .status()
                .error_code(),
            "corrupt_snapshot");
}

TEST(VectorIndex, HalfPrecisionStorageKeepsRecall) {
  const uint32_t d = 64;
  auto vectors = ClusteredVectors({.count = 3000, .dimension = d, .clusters = 30, .seed = 5});
  auto full = NewIndex(Params(d));
  auto half = NewIndex(Params(d, Metric::kCosine, VectorStorage::kFloat16));
  ASSERT_TRUE(full->Add(MakeBatch(vectors, d, "w")).ok());
  ASSERT_TRUE(half->Add(MakeBatch(vectors, d, "w")).ok());
  // Two bytes saved per value of every stored vector.
  EXPECT_EQ(full->Stats().memory_bytes - half->Stats().memory_bytes, 3000u * d * 2);
  size_t overlap = 0, total = 0;
  for (size_t i = 0; i < 3000; i += 61) {
    auto a = Search(*full, &vectors[i * d], 10);
    auto b = Search(*half, &vectors[i * d], 10);
    std::set<std::string> ids;
    for (const auto& h : a) ids.insert(h.id);
    for (const auto& h : b) overlap += ids.count(h.id);
    total += a.size();
  }
  EXPECT_GT(static_cast<double>(overlap) / total, 0.9);
  auto item = half->Get("w1");
  ASSERT_TRUE(item.ok());
  auto original = full->Get("w1");
  for (uint32_t i = 0; i < d; ++i) EXPECT_NEAR(item->vector[i], original->vector[i], 1e-3);
  EXPECT_EQ(HalfToFloat(FloatToHalf(1.5f)), 1.5f);
  EXPECT_EQ(HalfToFloat(FloatToHalf(-65504.0f)), -65504.0f);
}

TEST(VectorIndex, CapacityGrowsOnDemand) {
  const uint32_t d = 8;
  auto vectors = ClusteredVectors({.count = 5000, .dimension = d, .clusters = 10, .seed = 6});
  auto index = NewIndex(Params(d));
  for (size_t first = 0; first < 5000; first += 700) ASSERT_TRUE(index->Add(MakeBatch(vectors, d, "w", first, 700)).ok());
  EXPECT_EQ(index->Stats().count, 5000u);
  EXPECT_GE(index->Stats().capacity, 5000u);
  EXPECT_EQ(Search(*index, &vectors[4999 * d], 1)[0].id, "w4999");
}

// Adds, replaces, deletes and searches at once; the ThreadSanitizer build
// (scripts/test.sh) runs this and fails on any data race.
TEST(VectorIndexConcurrency, AddSearchDeleteTogether) {
  const uint32_t d = 16;
  const size_t n = 4000;
  auto vectors = ClusteredVectors({.count = n, .dimension = d, .clusters = 20, .seed = 8});
  auto index = NewIndex(Params(d));
  ASSERT_TRUE(index->Add(MakeBatch(vectors, d, "w", 0, 500)).ok());
  std::atomic<bool> done{false};
  std::atomic<size_t> searches{0}, bad_results{0};
  auto searcher = [&](size_t offset) {
    size_t i = offset;
    while (!done) {
      auto hits = Search(*index, &vectors[(i % n) * d], 10);
      for (size_t j = 1; j < hits.size(); ++j) bad_results += hits[j - 1].distance > hits[j].distance;
      for (const auto& hit : hits) bad_results += hit.id.empty() || hit.id[0] != 'w';
      if (!hits.empty()) (void)index->Get(hits[0].id);
      ++searches;
      i += 7;
    }
  };
  std::thread s1(searcher, 0), s2(searcher, 3);
  std::thread writer([&] {
    for (size_t first = 500; first < n; first += 250) {
      EXPECT_TRUE(index->Add(MakeBatch(vectors, d, "w", first, 250)).ok());
      std::vector<std::string> doomed;
      for (size_t i = first - 500; i < first - 400; ++i) doomed.push_back("w" + std::to_string(i));
      index->Delete(doomed);
      // Re-add half of them (slot reuse) and replace a few live ones.
      EXPECT_TRUE(index->Add(MakeBatch(vectors, d, "w", first - 500, 50)).ok());
      EXPECT_TRUE(index->Add(MakeBatch(vectors, d, "w", first, 20)).ok());
    }
    done = true;
  });
  writer.join();
  s1.join();
  s2.join();
  EXPECT_EQ(bad_results.load(), 0u);
  EXPECT_GT(searches.load(), 0u);
  // 14 rounds each delete 100 and restore 50.
  EXPECT_EQ(index->Stats().count, n - 14 * 50);
}

TEST(BatchCodec, BinaryRoundTripAndErrors) {
  AddBatch batch{3, {"a", "b"}, {1, 2, 3, 4, 5, 6}, {R"({"x":1})", std::nullopt}};
  std::string wire = EncodeBinaryBatch(batch);
  auto parsed = ParseBinaryBatch(wire);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->ids, batch.ids);
  EXPECT_EQ(parsed->vectors, batch.vectors);
  EXPECT_EQ(parsed->metadata, batch.metadata);
  EXPECT_FALSE(ParseBinaryBatch(wire.substr(0, wire.size() - 1)).ok());
  EXPECT_FALSE(ParseBinaryBatch(wire + "x").ok());
  EXPECT_FALSE(ParseBinaryBatch("LHVB").ok());
  std::string bad_magic = wire;
  bad_magic[0] = 'X';
  EXPECT_FALSE(ParseBinaryBatch(bad_magic).ok());
  std::string huge_count = wire;
  uint32_t count = 1u << 30;
  std::memcpy(huge_count.data() + 12, &count, 4);
  EXPECT_FALSE(ParseBinaryBatch(huge_count).ok());

  auto json = ParseJsonBatch(R"({"items":[{"id":"a","vector":[1,2],"metadata":{}},{"id":"b","vector":[3,4]}]})");
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(json->metadata[0], std::optional<std::string>(""));
  EXPECT_EQ(json->metadata[1], std::nullopt);
  EXPECT_EQ(ParseJsonBatch(R"({"items":[{"id":"a","vector":[1,2]},{"id":"b","vector":[3]}]})").status().error_code(),
            "dimension_mismatch");
  EXPECT_FALSE(ParseJsonBatch(R"({"items":[]})").ok());
  EXPECT_FALSE(ParseJsonBatch(R"({"items":[{"id":"a","vector":[1,"x"]}]})").ok());
  EXPECT_FALSE(ParseJsonBatch(R"({"items":[{"id":"a","vector":[1],"metadata":[1]}]})").ok());
  EXPECT_FALSE(ParseJsonBatch(R"({"items":[{"id":"a","vector":[1],"extra":1}]})").ok());
}

}  // namespace
}  // namespace lakehouse
