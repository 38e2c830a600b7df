#include "catalog/manifest.h"

#include "core/hash.h"
#include "core/time.h"

namespace lakehouse {
namespace {

Result<int64_t> ParseRfc3339Millis(const std::string& text) {
  int y, mo, d, h, mi, s, ms = 0;
  if (sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &y, &mo, &d, &h, &mi, &s, &ms) < 6) {
    return Status::InvalidArgument("bad timestamp " + text);
  }
  struct tm tm_utc = {};
  tm_utc.tm_year = y - 1900;
  tm_utc.tm_mon = mo - 1;
  tm_utc.tm_mday = d;
  tm_utc.tm_hour = h;
  tm_utc.tm_min = mi;
  tm_utc.tm_sec = s;
  return static_cast<int64_t>(timegm(&tm_utc)) * 1000 + ms;
}

template <typename T>
Status Field(const nlohmann::json& json, const char* name, T* out) {
  auto it = json.find(name);
  if (it == json.end()) return Status::InvalidArgument(std::string("missing field ") + name, "bad_manifest");
  try {
    *out = it->get<T>();
  } catch (const nlohmann::json::exception&) {
    return Status::InvalidArgument(std::string("field ") + name + " has the wrong type", "bad_manifest");
  }
  return Status::Ok();
}

}  // namespace

std::string ManifestKey(std::string_view name) { return std::string(kManifestPrefix) + std::string(name) + ".json"; }

std::string SchemaFingerprint(const std::vector<Column>& columns) {
  Sha256 hash;
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i > 0) hash.Update("\x1e");
    hash.Update(columns[i].name);
    hash.Update("\x1f");
    hash.Update(columns[i].type);
  }
  return hash.FinishHex();
}

nlohmann::json ManifestToJson(const Manifest& m) {
  nlohmann::json columns = nlohmann::json::array();
  for (const auto& c : m.columns) columns.push_back({{"name", c.name}, {"type", c.type}});
  nlohmann::json objects = nlohmann::json::array();
  for (const auto& o : m.objects) objects.push_back({{"key", o.key}, {"size", o.size}, {"rows", o.rows}});
  return {{"dataset_id", m.dataset_id},
          {"name", m.name},
          {"schema_fingerprint", m.schema_fingerprint},
          {"version", m.version},
          {"created_at", FormatRfc3339Millis(m.created_at_ms)},
          {"updated_at", FormatRfc3339Millis(m.updated_at_ms)},
          {"row_count", m.row_count},
          {"columns", columns},
          {"objects", objects}};
}

Result<Manifest> ManifestFromJson(const nlohmann::json& json) {
  if (!json.is_object()) return Status::InvalidArgument("manifest is not a JSON object", "bad_manifest");
  Manifest m;
  std::string created, updated;
  nlohmann::json columns, objects;
  LH_RETURN_IF_ERROR(Field(json, "dataset_id", &m.dataset_id));
  LH_RETURN_IF_ERROR(Field(json, "name", &m.name));
  LH_RETURN_IF_ERROR(Field(json, "schema_fingerprint", &m.schema_fingerprint));
  LH_RETURN_IF_ERROR(Field(json, "version", &m.version));
  LH_RETURN_IF_ERROR(Field(json, "created_at", &created));
  LH_RETURN_IF_ERROR(Field(json, "updated_at", &updated));
  LH_RETURN_IF_ERROR(Field(json, "row_count", &m.row_count));
  LH_RETURN_IF_ERROR(Field(json, "columns", &columns));
  LH_RETURN_IF_ERROR(Field(json, "objects", &objects));
  LH_ASSIGN_OR_RETURN(m.created_at_ms, ParseRfc3339Millis(created));
  LH_ASSIGN_OR_RETURN(m.updated_at_ms, ParseRfc3339Millis(updated));
  if (!columns.is_array() || !objects.is_array()) {
    return Status::InvalidArgument("columns and objects must be arrays", "bad_manifest");
  }
  for (const auto& c : columns) {
    Column col;
    LH_RETURN_IF_ERROR(Field(c, "name", &col.name));
    LH_RETURN_IF_ERROR(Field(c, "type", &col.type));
    m.columns.push_back(std::move(col));
  }
  for (const auto& o : objects) {
    DataObject obj;
    LH_RETURN_IF_ERROR(Field(o, "key", &obj.key));
    LH_RETURN_IF_ERROR(Field(o, "size", &obj.size));
    LH_RETURN_IF_ERROR(Field(o, "rows", &obj.rows));
    m.objects.push_back(std::move(obj));
  }
  return m;
}

std::string SerializeStoredManifest(const Manifest& manifest) {
  nlohmann::json json = ManifestToJson(manifest);
  json["format"] = "lakehouse.manifest";
  json["format_version"] = kManifestFormatVersion;
  return json.dump(2);
}

Result<Manifest> ParseStoredManifest(std::string_view text) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return Status::InvalidArgument("manifest is not valid JSON", "bad_manifest");
  if (!json.is_object() || json.value("format", "") != "lakehouse.manifest") {
    return Status::InvalidArgument("not a lakehouse manifest", "bad_manifest");
  }
  if (json.value("format_version", 0) != kManifestFormatVersion) {
    return Status::InvalidArgument("unsupported manifest format_version", "bad_manifest");
  }
  return ManifestFromJson(json);
}

}  // namespace lakehouse
