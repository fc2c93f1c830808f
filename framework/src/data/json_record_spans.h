// Finding the records of a JSON array of objects, or of JSON lines, without parsing them: one pass
// that follows only strings and brackets, so that a file of any size costs 16 bytes per record.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

namespace vdep {

// Where one record's text lies in the scanned text.
struct JsonRecordSpan {
  std::uint64_t offset;
  std::uint64_t length;
};

// The records of `text`: the objects of a top-level array when its first byte (after white space
// and an optional UTF-8 byte-order mark) is '[', one object per line when it is '{'. Checks what
// delimits the records (strings closed on their line, brackets that match, nothing but separators
// between records) and leaves their contents to a JSON parser. Throws std::runtime_error
// "SOURCE: record N (byte OFFSET): what is wrong", N counting from 0 the record in which or before
// which the defect lies and OFFSET the defect's position. After each record, calls
// `scanned(offset)` with how far the text has been read, for callers that release what lies behind.
std::vector<JsonRecordSpan> find_json_records(std::string_view text, std::string_view source,
                                              const std::function<void(std::size_t)>& scanned = {});

}  // namespace vdep
