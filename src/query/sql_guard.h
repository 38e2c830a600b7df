// A first, purely textual gate for user SQL, applied before DuckDB sees the
// text: preparing a statement binds it, and binding can have effects (preparing
// EXPORT DATABASE creates a directory). The prepared statement type is checked
// again afterwards; this gate only keeps non-queries from ever being prepared.
#pragma once

#include <string_view>

#include "core/status.h"

namespace lakehouse {

// OK when the first keyword (after whitespace and comments) starts a query:
// SELECT, WITH, FROM, VALUES, TABLE, EXPLAIN, DESCRIBE, SHOW, SUMMARIZE or '('.
Status CheckQueryText(std::string_view sql);

}  // namespace lakehouse
