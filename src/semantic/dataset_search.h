// Meaning over datasets: index a dataset's rows into a vector index through
// the configured embedder, and search it by text with an optional SQL
// condition on the dataset.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "embed/caching_embedder.h"
#include "query/engine.h"
#include "semantic/jobs.h"
#include "vector/registry.h"

namespace lakehouse {

struct IndexDatasetRequest {
  std::string dataset;
  std::string index;
  std::string id_column;
  std::string text_template;
  std::vector<std::string> metadata_columns;
};

struct DatasetSearchRequest {
  std::string dataset;
  std::string index;
  std::string text;
  size_t k = 10;
  size_t ef_search = 0;
  std::string where;                 // SQL predicate on the dataset; "" = none
  std::vector<std::string> columns;  // columns returned per hit; empty = all
};

class DatasetSearch {
 public:
  DatasetSearch(Catalog& catalog, QueryEngine& engine, VectorRegistry& vectors, CachingEmbedder& embedder,
                int threads)
      : catalog_(catalog), engine_(engine), vectors_(vectors), embedder_(embedder), threads_(threads) {}

  // The checks that need no reading (dataset, columns, template, an existing
  // index built from something else), so a bad request is refused before a
  // job starts.
  Status Validate(const IndexDatasetRequest& request) const;
  // Embeds and inserts every row whose id is not in the index yet: reading,
  // embedding and inserting overlap. Creates the index on first use (cosine,
  // the embedder's dimension) and records its source.
  Result<nlohmann::json> IndexDataset(const IndexDatasetRequest& request, JobProgress& progress);
  Result<nlohmann::json> Search(const DatasetSearchRequest& request);

 private:
  nlohmann::json SourceOf(const IndexDatasetRequest& request) const;

  Catalog& catalog_;
  QueryEngine& engine_;
  VectorRegistry& vectors_;
  CachingEmbedder& embedder_;
  int threads_;
};

}  // namespace lakehouse
