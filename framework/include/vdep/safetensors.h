// Reading and writing Hugging Face safetensors checkpoints, single-file and sharded.
//
// The format: an 8-byte little-endian header length N, N bytes of JSON
//   {"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...,
//    "__metadata__": {"key": "value"}}
// then the tensors' bytes, with offsets counted from the end of the header. A sharded checkpoint
// is several such files plus model.safetensors.index.json, whose "weight_map" names the file that
// holds each tensor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

#include <vdep/export.h>

namespace vdep {

// Supported dtypes: F64, F32, F16, BF16, I64, I32, I16, I8, U8 and BOOL.
struct TensorInfo {
  std::string name;
  at::ScalarType dtype = at::ScalarType::Undefined;
  std::vector<int64_t> shape;
  std::filesystem::path file;  // the .safetensors file that holds it (a shard, when sharded)
};

// A checkpoint opened for reading. Every file is memory-mapped once and read on demand, so opening
// even a 7B checkpoint is quick and its tensors are never held in memory twice. The headers are
// fully validated on open: a malformed file throws std::runtime_error naming it and the defect.
// Copies of a reader share the mappings.
class VDEP_API SafetensorsReader {
 public:
  // Opens one .safetensors file, a *.safetensors.index.json, or a folder holding
  // model.safetensors or model.safetensors.index.json (the Hugging Face layout).
  static SafetensorsReader open(const std::filesystem::path& path);

  const std::filesystem::path& path() const { return path_; }  // as given to open()
  std::vector<std::string> names() const;                      // sorted
  bool contains(std::string_view name) const;
  // An unknown name throws std::out_of_range naming it and the checkpoint.
  const TensorInfo& info(std::string_view name) const;
  // A CPU tensor viewing the mapped file, without a copy; it keeps the mapping alive after the
  // reader is gone. The pages are read-only: clone() it or copy_() it into a parameter, never
  // modify it in place (that faults). (A tensor stored at an offset not aligned for its dtype,
  // which the reference writer never produces, is returned as a copy.)
  at::Tensor get(std::string_view name) const;
  // The files' "__metadata__"; for a sharded checkpoint, that of every shard together.
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

 private:
  struct StoredTensor {
    TensorInfo info;
    // Points at the tensor's first byte and owns the whole mapping of its file.
    std::shared_ptr<const std::byte> data;
  };

  const StoredTensor& find(std::string_view name) const;

  std::filesystem::path path_;
  std::map<std::string, StoredTensor, std::less<>> tensors_;
  std::map<std::string, std::string> metadata_;
};

// Writes `tensors` (any supported dtype, on any device, contiguous or not) to `file` with keys in
// sorted order and the header padded with spaces to a multiple of 8 bytes, as the reference
// implementation does. The file is written beside its destination and renamed into place, so a
// crash never leaves a partial checkpoint. Duplicate names or unsupported dtypes throw
// std::runtime_error.
VDEP_API void write_safetensors(const std::filesystem::path& file,
                                const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                                const std::map<std::string, std::string>& metadata = {});

// Writes the Hugging Face sharded layout into `folder` (created if needed):
// model-00001-of-0000N.safetensors ... and model.safetensors.index.json, whose metadata.total_size
// is the sum of the tensors' bytes. Shards take the tensors in key order, each up to
// `max_shard_bytes`; a larger tensor gets a shard of its own. Every shard carries `metadata`.
VDEP_API void write_sharded_safetensors(const std::filesystem::path& folder,
                                        const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                                        std::size_t max_shard_bytes,
                                        const std::map<std::string, std::string>& metadata = {});

}  // namespace vdep
