#include "tensors/safetensors_header.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include <c10/util/ArrayRef.h>
#include <c10/util/StringUtil.h>
#include <nlohmann/json.hpp>

#include "tensors/safetensors_dtype.h"
#include "tensors/safetensors_file_defect.h"

namespace vdep {

namespace {

using nlohmann::json;

// The reference implementation's limit: a larger header is corruption, not a checkpoint.
constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;
constexpr std::size_t kHeaderLengthBytes = 8;

std::uint64_t read_little_endian_u64(const std::byte* bytes) {
  std::uint64_t value = 0;
  for (std::size_t i = kHeaderLengthBytes; i-- > 0;) {
    value = value << 8 | std::to_integer<std::uint64_t>(bytes[i]);
  }
  return value;
}

std::string describe_shape(const std::vector<int64_t>& shape) { return c10::str(c10::IntArrayRef(shape)); }

class EntryParser {
 public:
  EntryParser(const std::filesystem::path& file, const std::string& name, const json& fields)
      : file_(file), name_(name), fields_(fields) {}

  SafetensorsEntry parse(std::size_t data_start, std::size_t data_size) const {
    if (!fields_.is_object()) fail_entry("its entry is not a JSON object");
    SafetensorsEntry entry;
    entry.info.name = name_;
    entry.info.file = file_;
    entry.info.dtype = dtype();
    entry.info.shape = shape();

    const json& offsets = field("data_offsets");
    if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
        !offsets[1].is_number_unsigned()) {
      fail_entry("\"data_offsets\" is not [begin, end] with non-negative integers");
    }
    const auto begin = offsets[0].get<std::uint64_t>();
    const auto end = offsets[1].get<std::uint64_t>();
    const std::string range = "[" + std::to_string(begin) + ", " + std::to_string(end) + "]";
    if (begin > end) fail_entry("\"data_offsets\" " + range + " begin after end");
    if (end > data_size) {
      fail_entry("\"data_offsets\" " + range + " run past the end of the data section (" +
                 std::to_string(data_size) + " bytes)");
    }
    entry.offset = data_start + static_cast<std::size_t>(begin);
    entry.size = static_cast<std::size_t>(end - begin);

    const std::optional<std::size_t> expected = expected_size(entry.info);
    if (entry.size != expected) {
      fail_entry("byte size " + std::to_string(entry.size) + " does not match shape " +
                 describe_shape(entry.info.shape) + " of " + std::string(*safetensors_name_of(entry.info.dtype)) +
                 " (" + (expected ? std::to_string(*expected) + " bytes" : "more bytes than memory can address") +
                 ")");
    }
    return entry;
  }

 private:
  [[noreturn]] void fail_entry(const std::string& defect) const {
    vdep::throw_file_defect(file_, "tensor '" + name_ + "': " + defect);
  }

  const json& field(const char* key) const {
    const auto found = fields_.find(key);
    if (found == fields_.end()) fail_entry(std::string("missing \"") + key + "\"");
    return *found;
  }

  at::ScalarType dtype() const {
    const json& name = field("dtype");
    if (!name.is_string()) fail_entry("\"dtype\" is not a string");
    const auto dtype = dtype_from_safetensors_name(name.get<std::string>());
    if (!dtype) {
      fail_entry("unsupported dtype '" + name.get<std::string>() +
                 "' (supported: " + supported_safetensors_dtypes() + ")");
    }
    return *dtype;
  }

  std::vector<int64_t> shape() const {
    const json& dimensions = field("shape");
    if (!dimensions.is_array()) fail_entry("\"shape\" is not an array of integers");
    std::vector<int64_t> shape;
    for (const json& dimension : dimensions) {
      if (!dimension.is_number_integer()) fail_entry("\"shape\" is not an array of integers");
      if (dimension.is_number_unsigned()) {
        if (dimension.get<std::uint64_t>() >
            static_cast<std::uint64_t>(std::numeric_limits<int64_t>::max())) {
          fail_entry("\"shape\" has a dimension too large: " + dimension.dump());
        }
      } else if (dimension.get<int64_t>() < 0) {
        fail_entry("\"shape\" has a negative dimension: " + dimension.dump());
      }
      shape.push_back(dimension.get<int64_t>());
    }
    return shape;
  }

  // numel * element size; nullopt when that overflows.
  static std::optional<std::size_t> expected_size(const TensorInfo& info) {
    std::size_t bytes = c10::elementSize(info.dtype);
    for (const int64_t dimension : info.shape) {
      if (__builtin_mul_overflow(bytes, static_cast<std::size_t>(dimension), &bytes)) return std::nullopt;
    }
    return bytes;
  }

  const std::filesystem::path& file_;
  const std::string& name_;
  const json& fields_;
};

std::map<std::string, std::string> parse_metadata(const std::filesystem::path& file, const json& metadata) {
  if (!metadata.is_object()) throw_file_defect(file, "\"__metadata__\" is not a JSON object");
  std::map<std::string, std::string> values;
  for (const auto& [key, value] : metadata.items()) {
    if (!value.is_string()) throw_file_defect(file, "\"__metadata__\" value of '" + key + "' is not a string");
    values[key] = value.get<std::string>();
  }
  return values;
}

void check_no_overlap(const std::filesystem::path& file,
                      const std::map<std::string, SafetensorsEntry>& tensors) {
  std::vector<const SafetensorsEntry*> by_offset;
  for (const auto& [name, entry] : tensors) {
    if (entry.size > 0) by_offset.push_back(&entry);
  }
  std::sort(by_offset.begin(), by_offset.end(),
            [](const SafetensorsEntry* a, const SafetensorsEntry* b) { return a->offset < b->offset; });
  for (std::size_t i = 1; i < by_offset.size(); ++i) {
    const SafetensorsEntry& previous = *by_offset[i - 1];
    const SafetensorsEntry& next = *by_offset[i];
    if (next.offset < previous.offset + previous.size) {
      throw_file_defect(file, "tensors '" + previous.info.name + "' and '" + next.info.name +
                                  "' overlap in the data section");
    }
  }
}

}  // namespace

SafetensorsHeader parse_safetensors_header(const std::filesystem::path& file, const std::byte* bytes,
                                           std::size_t size) {
  if (size < kHeaderLengthBytes) {
    throw_file_defect(file, "file is " + std::to_string(size) + " bytes, too short for the 8-byte header length");
  }
  const std::uint64_t header_length = read_little_endian_u64(bytes);
  if (header_length > kMaxHeaderBytes) {
    throw_file_defect(file, "header length " + std::to_string(header_length) + " is over the limit of " +
                                std::to_string(kMaxHeaderBytes) + " bytes");
  }
  if (header_length > size - kHeaderLengthBytes) {
    throw_file_defect(file, "header length " + std::to_string(header_length) + " runs past the end of the file (" +
                                std::to_string(size) + " bytes)");
  }
  const auto* header_text = reinterpret_cast<const char*>(bytes + kHeaderLengthBytes);
  json header;
  try {
    header = json::parse(header_text, header_text + header_length);
  } catch (const json::parse_error& error) {
    throw_file_defect(file, std::string("invalid JSON header: ") + error.what());
  }
  if (!header.is_object()) throw_file_defect(file, "header is not a JSON object");

  const std::size_t data_start = kHeaderLengthBytes + static_cast<std::size_t>(header_length);
  const std::size_t data_size = size - data_start;
  SafetensorsHeader parsed;
  for (const auto& [name, fields] : header.items()) {
    if (name == "__metadata__") {
      parsed.metadata = parse_metadata(file, fields);
    } else {
      parsed.tensors[name] = EntryParser(file, name, fields).parse(data_start, data_size);
    }
  }
  check_no_overlap(file, parsed.tensors);
  return parsed;
}

}  // namespace vdep
