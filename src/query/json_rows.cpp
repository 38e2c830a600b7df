#include "query/json_rows.h"

#include <charconv>
#include <cmath>
#include <cstring>

#include "core/json_text.h"
#include "query/duckdb_handle.h"

namespace lakehouse {
namespace {

constexpr int64_t kMaxSafeInteger = 9007199254740992;  // 2^53

void AppendInt128(std::string& out, __int128 value, bool quote_if_unsafe) {
  bool safe = value >= -kMaxSafeInteger && value <= kMaxSafeInteger;
  char buf[48];
  char* end = buf + sizeof buf;
  char* p = end;
  bool negative = value < 0;
  unsigned __int128 magnitude = negative ? -static_cast<unsigned __int128>(value) : static_cast<unsigned __int128>(value);
  do {
    *--p = static_cast<char>('0' + static_cast<int>(magnitude % 10));
    magnitude /= 10;
  } while (magnitude != 0);
  if (negative) *--p = '-';
  bool quoted = quote_if_unsafe && !safe;
  if (quoted) out.push_back('"');
  out.append(p, end);
  if (quoted) out.push_back('"');
}

void AppendUint128(std::string& out, unsigned __int128 value) {
  char buf[48];
  char* end = buf + sizeof buf;
  char* p = end;
  bool safe = value <= static_cast<unsigned __int128>(kMaxSafeInteger);
  do {
    *--p = static_cast<char>('0' + static_cast<int>(value % 10));
    value /= 10;
  } while (value != 0);
  if (!safe) out.push_back('"');
  out.append(p, end);
  if (!safe) out.push_back('"');
}

template <typename T>
void AppendFloat(std::string& out, T value) {
  if (std::isnan(value)) {
    out += "\"NaN\"";
  } else if (std::isinf(value)) {
    out += value > 0 ? "\"Infinity\"" : "\"-Infinity\"";
  } else {
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, value);
    out.append(buf, res.ptr);
  }
}

void AppendDecimal(std::string& out, __int128 value, uint8_t width, uint8_t scale) {
  bool as_string = width > 15;
  bool negative = value < 0;
  unsigned __int128 magnitude = negative ? -static_cast<unsigned __int128>(value) : static_cast<unsigned __int128>(value);
  std::string digits;
  do {
    digits.push_back(static_cast<char>('0' + static_cast<int>(magnitude % 10)));
    magnitude /= 10;
  } while (magnitude != 0);
  while (digits.size() <= scale) digits.push_back('0');
  std::string text = negative ? "-" : "";
  for (size_t i = digits.size(); i-- > 0;) {
    text.push_back(digits[i]);
    if (i == scale && scale > 0) text.push_back('.');
  }
  if (as_string) out.push_back('"');
  out += text;
  if (as_string) out.push_back('"');
}

void AppendTwoDigits(std::string& out, int v) {
  out.push_back(static_cast<char>('0' + v / 10));
  out.push_back(static_cast<char>('0' + v % 10));
}

void AppendDate(std::string& out, duckdb_date_struct d) {
  char buf[32];
  if (d.year >= 0 && d.year <= 9999) {
    snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
  } else {
    snprintf(buf, sizeof buf, "%d-%02d-%02d", d.year, d.month, d.day);
  }
  out += buf;
}

// fraction: the sub-second part in units of 10^-digits seconds.
void AppendClock(std::string& out, int hour, int min, int sec, int64_t fraction, int digits) {
  AppendTwoDigits(out, hour);
  out.push_back(':');
  AppendTwoDigits(out, min);
  out.push_back(':');
  AppendTwoDigits(out, sec);
  if (fraction > 0) {
    char buf[32];
    snprintf(buf, sizeof buf, "%0*lld", digits, static_cast<long long>(fraction));
    std::string f(buf);
    while (!f.empty() && f.back() == '0') f.pop_back();
    out.push_back('.');
    out += f;
  }
}

void AppendBase64(std::string& out, const unsigned char* data, size_t size) {
  static constexpr char kTable[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  out.push_back('"');
  size_t i = 0;
  for (; i + 2 < size; i += 3) {
    uint32_t v = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    out.push_back(kTable[v >> 18]);
    out.push_back(kTable[(v >> 12) & 63]);
    out.push_back(kTable[(v >> 6) & 63]);
    out.push_back(kTable[v & 63]);
  }
  if (i < size) {
    uint32_t v = data[i] << 16;
    if (i + 1 < size) v |= data[i + 1] << 8;
    out.push_back(kTable[v >> 18]);
    out.push_back(kTable[(v >> 12) & 63]);
    out.push_back(i + 1 < size ? kTable[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  out.push_back('"');
}

__int128 ToInt128(duckdb_hugeint h) { return (static_cast<__int128>(h.upper) << 64) | h.lower; }

std::string_view StringAt(duckdb_vector vector, idx_t row) {
  auto* strings = static_cast<duckdb_string_t*>(duckdb_vector_get_data(vector));
  return {duckdb_string_t_data(&strings[row]), duckdb_string_t_length(strings[row])};
}

// Splits epoch-based micros (or another unit) into a date and a clock.
void AppendTimestamp(std::string& out, int64_t value, int64_t units_per_second, int digits, bool utc) {
  int64_t seconds = value / units_per_second;
  int64_t fraction = value % units_per_second;
  if (fraction < 0) {
    fraction += units_per_second;
    seconds -= 1;
  }
  int64_t days = seconds / 86400;
  int64_t sec_of_day = seconds % 86400;
  if (sec_of_day < 0) {
    sec_of_day += 86400;
    days -= 1;
  }
  AppendDate(out, duckdb_from_date(duckdb_date{static_cast<int32_t>(days)}));
  out.push_back('T');
  AppendClock(out, static_cast<int>(sec_of_day / 3600), static_cast<int>(sec_of_day / 60 % 60),
              static_cast<int>(sec_of_day % 60), fraction, digits);
  if (utc) out.push_back('Z');
}

}  // namespace

ColumnJsonWriter::~ColumnJsonWriter() = default;

Result<std::unique_ptr<ColumnJsonWriter>> ColumnJsonWriter::ForType(duckdb_logical_type type) {
  std::unique_ptr<ColumnJsonWriter> w(new ColumnJsonWriter());
  w->type_ = duckdb_get_type_id(type);
  auto add_child = [&](duckdb_logical_type child) -> Status {
    auto writer = ForType(child);
    duckdb_destroy_logical_type(&child);
    if (!writer.ok()) return writer.status();
    w->children_.push_back(std::move(writer).value());
    return Status::Ok();
  };
  switch (w->type_) {
    case DUCKDB_TYPE_BOOLEAN: case DUCKDB_TYPE_TINYINT: case DUCKDB_TYPE_SMALLINT: case DUCKDB_TYPE_INTEGER:
    case DUCKDB_TYPE_BIGINT: case DUCKDB_TYPE_UTINYINT: case DUCKDB_TYPE_USMALLINT: case DUCKDB_TYPE_UINTEGER:
    case DUCKDB_TYPE_UBIGINT: case DUCKDB_TYPE_HUGEINT: case DUCKDB_TYPE_UHUGEINT: case DUCKDB_TYPE_FLOAT:
    case DUCKDB_TYPE_DOUBLE: case DUCKDB_TYPE_VARCHAR: case DUCKDB_TYPE_BLOB: case DUCKDB_TYPE_DATE:
    case DUCKDB_TYPE_TIME: case DUCKDB_TYPE_TIME_TZ: case DUCKDB_TYPE_TIMESTAMP: case DUCKDB_TYPE_TIMESTAMP_S:
    case DUCKDB_TYPE_TIMESTAMP_MS: case DUCKDB_TYPE_TIMESTAMP_NS: case DUCKDB_TYPE_TIMESTAMP_TZ:
    case DUCKDB_TYPE_INTERVAL: case DUCKDB_TYPE_UUID: case DUCKDB_TYPE_SQLNULL:
      break;
    case DUCKDB_TYPE_DECIMAL:
      w->width_ = duckdb_decimal_width(type);
      w->scale_ = duckdb_decimal_scale(type);
      w->internal_ = duckdb_decimal_internal_type(type);
      break;
    case DUCKDB_TYPE_ENUM: {
      w->internal_ = duckdb_enum_internal_type(type);
      uint32_t n = duckdb_enum_dictionary_size(type);
      for (uint32_t i = 0; i < n; ++i) {
        char* value = duckdb_enum_dictionary_value(type, i);
        w->names_.emplace_back(value ? value : "");
        duckdb_free(value);
      }
      break;
    }
    case DUCKDB_TYPE_LIST:
      LH_RETURN_IF_ERROR(add_child(duckdb_list_type_child_type(type)));
      break;
    case DUCKDB_TYPE_ARRAY:
      w->array_size_ = duckdb_array_type_array_size(type);
      LH_RETURN_IF_ERROR(add_child(duckdb_array_type_child_type(type)));
      break;
    case DUCKDB_TYPE_MAP:
      LH_RETURN_IF_ERROR(add_child(duckdb_map_type_key_type(type)));
      LH_RETURN_IF_ERROR(add_child(duckdb_map_type_value_type(type)));
      break;
    case DUCKDB_TYPE_STRUCT:
    case DUCKDB_TYPE_UNION: {
      idx_t n = duckdb_struct_type_child_count(type);
      for (idx_t i = 0; i < n; ++i) {
        char* name = duckdb_struct_type_child_name(type, i);
        w->names_.emplace_back(name ? name : "");
        duckdb_free(name);
        LH_RETURN_IF_ERROR(add_child(duckdb_struct_type_child_type(type, i)));
      }
      break;
    }
    default:
      return Status::InvalidArgument("a result column has type " + LogicalTypeName(type) +
                                         ", which has no JSON mapping; cast it to VARCHAR",
                                     "unsupported_type");
  }
  return w;
}

void ColumnJsonWriter::Write(std::string& out, duckdb_vector vector, idx_t row) const {
  uint64_t* validity = duckdb_vector_get_validity(vector);
  if (validity && !duckdb_validity_row_is_valid(validity, row)) {
    out += "null";
    return;
  }
  void* data = duckdb_vector_get_data(vector);
  char buf[64];
  switch (type_) {
    case DUCKDB_TYPE_SQLNULL: out += "null"; return;
    case DUCKDB_TYPE_BOOLEAN: out += static_cast<bool*>(data)[row] ? "true" : "false"; return;
    case DUCKDB_TYPE_TINYINT: AppendInt128(out, static_cast<int8_t*>(data)[row], true); return;
    case DUCKDB_TYPE_SMALLINT: AppendInt128(out, static_cast<int16_t*>(data)[row], true); return;
    case DUCKDB_TYPE_INTEGER: AppendInt128(out, static_cast<int32_t*>(data)[row], true); return;
    case DUCKDB_TYPE_BIGINT: AppendInt128(out, static_cast<int64_t*>(data)[row], true); return;
    case DUCKDB_TYPE_UTINYINT: AppendUint128(out, static_cast<uint8_t*>(data)[row]); return;
    case DUCKDB_TYPE_USMALLINT: AppendUint128(out, static_cast<uint16_t*>(data)[row]); return;
    case DUCKDB_TYPE_UINTEGER: AppendUint128(out, static_cast<uint32_t*>(data)[row]); return;
    case DUCKDB_TYPE_UBIGINT: AppendUint128(out, static_cast<uint64_t*>(data)[row]); return;
    case DUCKDB_TYPE_HUGEINT: AppendInt128(out, ToInt128(static_cast<duckdb_hugeint*>(data)[row]), true); return;
    case DUCKDB_TYPE_UHUGEINT: {
      auto v = static_cast<duckdb_uhugeint*>(data)[row];
      AppendUint128(out, (static_cast<unsigned __int128>(v.upper) << 64) | v.lower);
      return;
    }
    case DUCKDB_TYPE_FLOAT: AppendFloat(out, static_cast<float*>(data)[row]); return;
    case DUCKDB_TYPE_DOUBLE: AppendFloat(out, static_cast<double*>(data)[row]); return;
    case DUCKDB_TYPE_DECIMAL: {
      __int128 value = 0;
      switch (internal_) {
        case DUCKDB_TYPE_SMALLINT: value = static_cast<int16_t*>(data)[row]; break;
        case DUCKDB_TYPE_INTEGER: value = static_cast<int32_t*>(data)[row]; break;
        case DUCKDB_TYPE_BIGINT: value = static_cast<int64_t*>(data)[row]; break;
        default: value = ToInt128(static_cast<duckdb_hugeint*>(data)[row]); break;
      }
      AppendDecimal(out, value, width_, scale_);
      return;
    }
    case DUCKDB_TYPE_VARCHAR: AppendJsonString(out, StringAt(vector, row)); return;
    case DUCKDB_TYPE_BLOB: {
      std::string_view bytes = StringAt(vector, row);
      AppendBase64(out, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
      return;
    }
    case DUCKDB_TYPE_ENUM: {
      uint64_t index = internal_ == DUCKDB_TYPE_UTINYINT    ? static_cast<uint8_t*>(data)[row]
                       : internal_ == DUCKDB_TYPE_USMALLINT ? static_cast<uint16_t*>(data)[row]
                                                            : static_cast<uint32_t*>(data)[row];
      AppendJsonString(out, index < names_.size() ? names_[index] : "");
      return;
    }
    case DUCKDB_TYPE_UUID: {
      duckdb_hugeint h = static_cast<duckdb_hugeint*>(data)[row];
      uint64_t upper = static_cast<uint64_t>(h.upper) ^ (uint64_t{1} << 63);
      snprintf(buf, sizeof buf, "\"%08llx-%04llx-%04llx-%04llx-%012llx\"",
               static_cast<unsigned long long>(upper >> 32), static_cast<unsigned long long>((upper >> 16) & 0xffff),
               static_cast<unsigned long long>(upper & 0xffff), static_cast<unsigned long long>(h.lower >> 48),
               static_cast<unsigned long long>(h.lower & 0xffffffffffffULL));
      out += buf;
      return;
    }
    case DUCKDB_TYPE_DATE: {
      duckdb_date d = static_cast<duckdb_date*>(data)[row];
      if (!duckdb_is_finite_date(d)) {
        out += d.days > 0 ? "\"infinity\"" : "\"-infinity\"";
        return;
      }
      out.push_back('"');
      AppendDate(out, duckdb_from_date(d));
      out.push_back('"');
      return;
    }
    case DUCKDB_TYPE_TIME: {
      int64_t micros = static_cast<duckdb_time*>(data)[row].micros;
      out.push_back('"');
      AppendClock(out, static_cast<int>(micros / 3600000000LL), static_cast<int>(micros / 60000000LL % 60),
                  static_cast<int>(micros / 1000000LL % 60), micros % 1000000LL, 6);
      out.push_back('"');
      return;
    }
    case DUCKDB_TYPE_TIME_TZ: {
      duckdb_time_tz_struct t = duckdb_from_time_tz(static_cast<duckdb_time_tz*>(data)[row]);
      out.push_back('"');
      AppendClock(out, t.time.hour, t.time.min, t.time.sec, t.time.micros, 6);
      int offset = t.offset;
      out.push_back(offset < 0 ? '-' : '+');
      offset = std::abs(offset);
      AppendTwoDigits(out, offset / 3600);
      out.push_back(':');
      AppendTwoDigits(out, offset / 60 % 60);
      out.push_back('"');
      return;
    }
    case DUCKDB_TYPE_TIMESTAMP:
    case DUCKDB_TYPE_TIMESTAMP_TZ:
    case DUCKDB_TYPE_TIMESTAMP_S:
    case DUCKDB_TYPE_TIMESTAMP_MS:
    case DUCKDB_TYPE_TIMESTAMP_NS: {
      int64_t value = static_cast<int64_t*>(data)[row];
      if (value == std::numeric_limits<int64_t>::max() || value == -std::numeric_limits<int64_t>::max()) {
        out += value > 0 ? "\"infinity\"" : "\"-infinity\"";
        return;
      }
      out.push_back('"');
      if (type_ == DUCKDB_TYPE_TIMESTAMP_S) AppendTimestamp(out, value, 1, 0, false);
      else if (type_ == DUCKDB_TYPE_TIMESTAMP_MS) AppendTimestamp(out, value, 1000, 3, false);
      else if (type_ == DUCKDB_TYPE_TIMESTAMP_NS) AppendTimestamp(out, value, 1000000000, 9, false);
      else AppendTimestamp(out, value, 1000000, 6, type_ == DUCKDB_TYPE_TIMESTAMP_TZ);
      out.push_back('"');
      return;
    }
    case DUCKDB_TYPE_INTERVAL: {
      duckdb_interval v = static_cast<duckdb_interval*>(data)[row];
      snprintf(buf, sizeof buf, "{\"months\":%d,\"days\":%d,\"micros\":%lld}", v.months, v.days,
               static_cast<long long>(v.micros));
      out += buf;
      return;
    }
    case DUCKDB_TYPE_LIST:
    case DUCKDB_TYPE_MAP: {
      auto entry = static_cast<duckdb_list_entry*>(data)[row];
      duckdb_vector child = duckdb_list_vector_get_child(vector);
      out.push_back('[');
      for (idx_t i = 0; i < entry.length; ++i) {
        if (i) out.push_back(',');
        if (type_ == DUCKDB_TYPE_LIST) {
          children_[0]->Write(out, child, entry.offset + i);
        } else {
          out += "{\"key\":";
          children_[0]->Write(out, duckdb_struct_vector_get_child(child, 0), entry.offset + i);
          out += ",\"value\":";
          children_[1]->Write(out, duckdb_struct_vector_get_child(child, 1), entry.offset + i);
          out.push_back('}');
        }
      }
      out.push_back(']');
      return;
    }
    case DUCKDB_TYPE_ARRAY: {
      duckdb_vector child = duckdb_array_vector_get_child(vector);
      out.push_back('[');
      for (idx_t i = 0; i < array_size_; ++i) {
        if (i) out.push_back(',');
        children_[0]->Write(out, child, row * array_size_ + i);
      }
      out.push_back(']');
      return;
    }
    case DUCKDB_TYPE_STRUCT: {
      out.push_back('{');
      for (size_t i = 0; i < children_.size(); ++i) {
        if (i) out.push_back(',');
        AppendJsonString(out, names_[i]);
        out.push_back(':');
        children_[i]->Write(out, duckdb_struct_vector_get_child(vector, i), row);
      }
      out.push_back('}');
      return;
    }
    case DUCKDB_TYPE_UNION: {
      // Member 0 is the tag; member tag+1 holds the value.
      uint8_t tag = static_cast<uint8_t*>(duckdb_vector_get_data(duckdb_struct_vector_get_child(vector, 0)))[row];
      if (static_cast<size_t>(tag) + 1 < children_.size()) {
        children_[tag + 1]->Write(out, duckdb_struct_vector_get_child(vector, tag + 1), row);
      } else {
        out += "null";
      }
      return;
    }
    default: out += "null"; return;
  }
}

}  // namespace lakehouse
