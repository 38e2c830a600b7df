#include "vector/batch_codec.h"

#include <cstring>
#include <nlohmann/json.hpp>

#include "core/binary.h"

namespace lakehouse {
namespace {

Status BatchError(const std::string& message) { return Status::InvalidArgument(message, "invalid_batch"); }

// Canonical compact text of a metadata object; "" for {} (which clears).
Result<std::string> MetadataText(const nlohmann::json& metadata, size_t index) {
  if (!metadata.is_object()) {
    return BatchError("item " + std::to_string(index) + ": metadata must be a JSON object");
  }
  if (metadata.empty()) return std::string();
  return metadata.dump();
}

}  // namespace

Result<AddBatch> ParseJsonBatch(std::string_view body) {
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Status::InvalidArgument("the request body is not valid JSON", "bad_json");
  if (!doc.is_object()) return Status::InvalidArgument("the request body must be a JSON object", "bad_json");
  auto items = doc.find("items");
  if (items == doc.end() || !items->is_array()) return BatchError("the body needs an array field \"items\"");
  if (items->empty()) return BatchError("\"items\" is empty");
  AddBatch batch;
  const size_t n = items->size();
  batch.ids.reserve(n);
  batch.metadata.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const nlohmann::json& item = (*items)[i];
    const std::string where = "item " + std::to_string(i);
    if (!item.is_object()) return BatchError(where + " is not a JSON object");
    auto id = item.find("id");
    if (id == item.end() || !id->is_string()) return BatchError(where + " needs a string \"id\"");
    auto vector = item.find("vector");
    if (vector == item.end() || !vector->is_array()) return BatchError(where + " needs an array \"vector\"");
    if (i == 0) {
      batch.dimension = static_cast<uint32_t>(vector->size());
      batch.vectors.reserve(n * batch.dimension);
    } else if (vector->size() != batch.dimension) {
      return Status::InvalidArgument(where + " has " + std::to_string(vector->size()) + " dimensions; item 0 has " +
                                         std::to_string(batch.dimension),
                                     "dimension_mismatch");
    }
    for (const auto& value : *vector) {
      if (!value.is_number()) return BatchError(where + ": vector values must be numbers");
      batch.vectors.push_back(value.get<float>());
    }
    batch.ids.push_back(id->get<std::string>());
    auto metadata = item.find("metadata");
    if (metadata == item.end() || metadata->is_null()) {
      batch.metadata.emplace_back(std::nullopt);
    } else {
      LH_ASSIGN_OR_RETURN(std::string text, MetadataText(*metadata, i));
      batch.metadata.emplace_back(std::move(text));
    }
    for (const auto& [key, value] : item.items()) {
      if (key != "id" && key != "vector" && key != "metadata") {
        return BatchError(where + " has an unknown field \"" + key + "\"");
      }
    }
  }
  return batch;
}

Result<AddBatch> ParseBinaryBatch(std::string_view body) {
  size_t offset = 0;
  char magic[4];
  uint32_t version = 0, dimension = 0, count = 0, flags = 0;
  if (body.size() < 20) return BatchError("the binary batch is shorter than its 20-byte header");
  std::memcpy(magic, body.data(), 4);
  offset = 4;
  if (std::memcmp(magic, "LHVB", 4) != 0) return BatchError("the binary batch does not start with \"LHVB\"");
  (void)ReadPod(body, &offset, &version);
  (void)ReadPod(body, &offset, &dimension);
  (void)ReadPod(body, &offset, &count);
  (void)ReadPod(body, &offset, &flags);
  if (version != 1) return BatchError("binary batch version " + std::to_string(version) + " is not supported (1 is)");
  if (flags & ~kBinaryBatchHasMetadata) return BatchError("unknown flags in the binary batch header");
  if (count == 0) return BatchError("the binary batch has no items");
  if (dimension == 0 || dimension > kMaxDimension) return BatchError("the binary batch's dimension is out of range");
  // Every item needs at least its id length and vector; refuse counts the body cannot hold.
  if (static_cast<uint64_t>(count) * (2 + 4ull * dimension) > body.size()) {
    return BatchError("the binary batch is shorter than its header's count of items");
  }
  AddBatch batch;
  batch.dimension = dimension;
  batch.ids.reserve(count);
  batch.metadata.reserve(count);
  batch.vectors.resize(static_cast<size_t>(count) * dimension);
  const size_t vector_bytes = dimension * sizeof(float);
  for (uint32_t i = 0; i < count; ++i) {
    const std::string where = "item " + std::to_string(i);
    uint16_t id_length = 0;
    if (!ReadPod(body, &offset, &id_length) || body.size() - offset < id_length + vector_bytes) {
      return BatchError(where + ": the binary batch ends early");
    }
    batch.ids.emplace_back(body.substr(offset, id_length));
    offset += id_length;
    std::memcpy(&batch.vectors[static_cast<size_t>(i) * dimension], body.data() + offset, vector_bytes);
    offset += vector_bytes;
    if (!(flags & kBinaryBatchHasMetadata)) {
      batch.metadata.emplace_back(std::nullopt);
      continue;
    }
    uint32_t metadata_length = 0;
    if (!ReadPod(body, &offset, &metadata_length) || body.size() - offset < metadata_length) {
      return BatchError(where + ": the binary batch ends early");
    }
    if (metadata_length == 0) {
      batch.metadata.emplace_back(std::nullopt);
      continue;
    }
    nlohmann::json metadata =
        nlohmann::json::parse(body.substr(offset, metadata_length), nullptr, /*allow_exceptions=*/false);
    offset += metadata_length;
    if (metadata.is_discarded()) return BatchError(where + ": metadata is not valid JSON");
    LH_ASSIGN_OR_RETURN(std::string text, MetadataText(metadata, i));
    batch.metadata.emplace_back(std::move(text));
  }
  if (offset != body.size()) return BatchError("the binary batch has bytes after its last item");
  return batch;
}

std::string EncodeBinaryBatch(const AddBatch& batch) {
  bool has_metadata = false;
  for (const auto& m : batch.metadata) has_metadata |= m.has_value();
  std::string out = "LHVB";
  AppendPod<uint32_t>(out, 1);
  AppendPod<uint32_t>(out, batch.dimension);
  AppendPod<uint32_t>(out, static_cast<uint32_t>(batch.size()));
  AppendPod<uint32_t>(out, has_metadata ? kBinaryBatchHasMetadata : 0);
  for (size_t i = 0; i < batch.size(); ++i) {
    AppendPod<uint16_t>(out, static_cast<uint16_t>(batch.ids[i].size()));
    out += batch.ids[i];
    out.append(reinterpret_cast<const char*>(&batch.vectors[i * batch.dimension]), batch.dimension * sizeof(float));
    if (has_metadata) {
      const std::string text = !batch.metadata[i] ? "" : batch.metadata[i]->empty() ? "{}" : *batch.metadata[i];
      AppendPod<uint32_t>(out, static_cast<uint32_t>(text.size()));
      out += text;
    }
  }
  return out;
}

}  // namespace lakehouse
