// Identifiers: UUIDv5 dataset ids and name validation.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace lakehouse {

// Namespace of every dataset_id ever issued; changing it changes every id.
inline constexpr std::string_view kDatasetNamespace = "a8f3c1d2-4e5b-5a6c-9d8e-7f0a1b2c3d4e";

// RFC 4122 name-based UUID, version 5 (SHA-1), in canonical lower-case form.
// REQUIRES: namespace_uuid is a canonical 36-character UUID.
std::string UuidV5(std::string_view namespace_uuid, std::string_view name);

inline std::string DatasetIdForName(std::string_view name) { return UuidV5(kDatasetNamespace, name); }

// Names of datasets and vector indexes: letters, digits and '_', starting with
// a letter or '_', 1..128 bytes. `what` names the kind in the error message.
Status ValidateName(std::string_view name, std::string_view what);
inline Status ValidateDatasetName(std::string_view name) { return ValidateName(name, "dataset name"); }

}  // namespace lakehouse
