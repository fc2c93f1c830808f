#include <vdep/safetensors.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "io/atomic_file.h"
#include "tensors/hf_weight_files.h"
#include "tensors/safetensors_dtype.h"
#include "tensors/safetensors_file_defect.h"

namespace vdep {

namespace {

using nlohmann::json;
using NamedTensor = std::pair<std::string, at::Tensor>;

std::size_t byte_size(const at::Tensor& tensor) {
  return static_cast<std::size_t>(tensor.numel()) * tensor.element_size();
}

// The tensors in key order, after checking that they can be written at all, so that a bad one
// is reported before any file is touched. `destination` names the file or folder in messages.
std::vector<const NamedTensor*> sorted_writable(const std::filesystem::path& destination,
                                                const std::vector<NamedTensor>& tensors) {
  std::vector<const NamedTensor*> sorted;
  for (const auto& named : tensors) sorted.push_back(&named);
  std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    const auto& [name, tensor] = *sorted[i];
    if (i > 0 && sorted[i - 1]->first == name) throw_file_defect(destination, "duplicate tensor name '" + name + "'");
    if (name == "__metadata__") {
      throw_file_defect(destination, "the tensor name '__metadata__' is reserved for the metadata");
    }
    if (!tensor.defined()) throw_file_defect(destination, "tensor '" + name + "' is undefined");
    if (!safetensors_name_of(tensor.scalar_type())) {
      throw_file_defect(destination, "tensor '" + name + "' has unsupported dtype " +
                                         std::string(c10::toString(tensor.scalar_type())) +
                                         " (supported: " + supported_safetensors_dtypes() + ")");
    }
  }
  return sorted;
}

// The JSON header, padded with spaces so that the data section starts at a multiple of 8 bytes.
std::string header_text(const std::filesystem::path& file, const std::vector<const NamedTensor*>& sorted,
                        const std::map<std::string, std::string>& metadata) {
  json header = json::object();
  std::size_t offset = 0;
  for (const auto* named : sorted) {
    const at::Tensor& tensor = named->second;
    const std::size_t end = offset + byte_size(tensor);
    header[named->first] = {{"dtype", *safetensors_name_of(tensor.scalar_type())},
                            {"shape", tensor.sizes().vec()},
                            {"data_offsets", {offset, end}}};
    offset = end;
  }
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::string text;
  try {
    text = header.dump();
  } catch (const json::type_error& error) {
    throw_file_defect(file, std::string("tensor names and metadata must be valid UTF-8: ") + error.what());
  }
  text.append((8 - text.size() % 8) % 8, ' ');
  return text;
}

void write_checked(const std::filesystem::path& file, const std::vector<const NamedTensor*>& sorted,
                   const std::map<std::string, std::string>& metadata) {
  const std::string header = header_text(file, sorted, metadata);
  unsigned char length[8];
  for (std::size_t i = 0; i < 8; ++i) length[i] = static_cast<unsigned char>(header.size() >> (8 * i));

  AtomicFileWriter out(file);
  out.write(length, sizeof length);
  out.write(header.data(), header.size());
  // One tensor at a time, so that at most one extra copy is held in memory.
  for (const auto* named : sorted) {
    const at::Tensor bytes = named->second.detach().cpu().contiguous();
    out.write(bytes.data_ptr(), byte_size(bytes));
  }
  out.commit();
}

std::string shard_name(std::size_t index, std::size_t count) {
  char name[64];
  std::snprintf(name, sizeof name, "model-%05zu-of-%05zu.safetensors", index, count);
  return name;
}

}  // namespace

void write_safetensors(const std::filesystem::path& file, const std::vector<NamedTensor>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  write_checked(file, sorted_writable(file, tensors), metadata);
}

void write_sharded_safetensors(const std::filesystem::path& folder, const std::vector<NamedTensor>& tensors,
                               std::size_t max_shard_bytes,
                               const std::map<std::string, std::string>& metadata) {
  const auto sorted = sorted_writable(folder, tensors);
  std::vector<std::vector<const NamedTensor*>> shards;
  std::size_t shard_bytes = 0;
  std::size_t total_bytes = 0;
  for (const auto* named : sorted) {
    const std::size_t bytes = byte_size(named->second);
    if (shards.empty() || shard_bytes + bytes > max_shard_bytes) {
      shards.emplace_back();
      shard_bytes = 0;
    }
    shards.back().push_back(named);
    shard_bytes += bytes;
    total_bytes += bytes;
  }

  std::filesystem::create_directories(folder);
  json weight_map = json::object();
  for (std::size_t i = 0; i < shards.size(); ++i) {
    const std::string name = shard_name(i + 1, shards.size());
    write_checked(folder / name, shards[i], metadata);
    for (const auto* named : shards[i]) weight_map[named->first] = name;
  }
  // Written last: the index never names a shard that is not complete on disk.
  const json index = {{"metadata", {{"total_size", total_bytes}}}, {"weight_map", weight_map}};
  write_file_atomically(folder / kSafetensorsIndexFileName, index.dump(2) + "\n");
}

}  // namespace vdep
