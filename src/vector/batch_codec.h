// Wire formats of an add batch: JSON, and a compact binary body for bulk loads.
//
// JSON: {"items":[{"id":"w1","vector":[0.1,...],"metadata":{...}}, ...]}
//   metadata omitted or null = keep the item's metadata; {} = clear it.
//
// Binary (Content-Type: application/x-lakehouse-vectors), little-endian:
//   header  "LHVB" | u32 version = 1 | u32 dimension | u32 count | u32 flags
//   items   u16 id_length | id (UTF-8) | float32 x dimension
//           [flags bit 0] u32 metadata_length | metadata (a JSON object;
//                         length 0 = keep the item's metadata, "{}" clears it)
// Documented in docs/vectors.md.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "vector/vector_index.h"

namespace lakehouse {

inline constexpr std::string_view kBinaryBatchContentType = "application/x-lakehouse-vectors";
inline constexpr uint32_t kBinaryBatchHasMetadata = 1;

Result<AddBatch> ParseJsonBatch(std::string_view body);
Result<AddBatch> ParseBinaryBatch(std::string_view body);

// The binary form of a batch (for clients, benchmarks and tests). Items with
// metadata nullopt are written with length 0.
std::string EncodeBinaryBatch(const AddBatch& batch);

}  // namespace lakehouse
