#include <vdep/safetensors.h>

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <utility>

#include <ATen/ops/empty.h>
#include <ATen/ops/from_blob.h>

#include "tensors/hf_weight_files.h"
#include "tensors/mapped_file.h"
#include "tensors/safetensors_header.h"
#include "tensors/safetensors_index.h"
#include "text/nearest_match.h"

namespace vdep {

namespace {

struct OpenedFile {
  std::shared_ptr<const MappedFile> mapping;
  SafetensorsHeader header;
};

OpenedFile open_safetensors_file(const std::filesystem::path& file) {
  auto mapping = std::make_shared<const MappedFile>(file);
  SafetensorsHeader header = parse_safetensors_header(file, mapping->data(), mapping->size());
  return {std::move(mapping), std::move(header)};
}

// Opens every shard the index names, each keeping only the tensors the index assigns to it.
std::vector<OpenedFile> open_shards(const std::filesystem::path& index_file) {
  std::map<std::filesystem::path, std::vector<std::string>> names_by_shard;
  for (const auto& [name, shard] : read_safetensors_index(index_file)) names_by_shard[shard].push_back(name);

  std::vector<OpenedFile> shards;
  std::map<std::string, std::filesystem::path> shard_of;  // every tensor of every shard, listed or not
  for (const auto& [shard, names] : names_by_shard) {
    if (!std::filesystem::exists(shard)) {
      throw std::runtime_error(index_file.string() + ": shard " + shard.string() + " of tensor '" +
                               names.front() + "' does not exist");
    }
    OpenedFile opened = open_safetensors_file(shard);
    for (const auto& [name, entry] : opened.header.tensors) {
      const auto [previous, first_time] = shard_of.emplace(name, shard);
      if (!first_time) {
        throw std::runtime_error(index_file.string() + ": tensor '" + name + "' is in two shards, " +
                                 previous->second.string() + " and " + shard.string());
      }
    }
    std::map<std::string, SafetensorsEntry> listed;
    for (const std::string& name : names) {
      auto entry = opened.header.tensors.find(name);
      if (entry == opened.header.tensors.end()) {
        throw std::runtime_error(index_file.string() + ": tensor '" + name +
                                 "' is listed in \"weight_map\" but absent from its shard " + shard.string());
      }
      listed.insert(opened.header.tensors.extract(entry));
    }
    opened.header.tensors = std::move(listed);
    shards.push_back(std::move(opened));
  }
  return shards;
}

bool is_index_file(const std::filesystem::path& path) {
  const std::string name = path.filename().string();
  const std::string suffix = ".index.json";
  return name.size() >= suffix.size() &&
         name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::vector<OpenedFile> open_files(const std::filesystem::path& path) {
  if (std::filesystem::is_directory(path)) {
    if (std::filesystem::exists(path / kSafetensorsFileName)) {
      return {open_safetensors_file(path / kSafetensorsFileName)};
    }
    if (std::filesystem::exists(path / kSafetensorsIndexFileName)) return open_shards(path / kSafetensorsIndexFileName);
    throw std::runtime_error(path.string() + ": no checkpoint in this folder (looked for " + kSafetensorsFileName +
                             " and " + kSafetensorsIndexFileName + ")");
  }
  if (is_index_file(path)) return open_shards(path);
  return {open_safetensors_file(path)};
}

}  // namespace

SafetensorsReader SafetensorsReader::open(const std::filesystem::path& path) {
  SafetensorsReader reader;
  reader.path_ = path;
  for (const OpenedFile& file : open_files(path)) {
    for (const auto& [name, entry] : file.header.tensors) {
      // Shares ownership of the mapping while pointing into it.
      std::shared_ptr<const std::byte> data(file.mapping, file.mapping->data() + entry.offset);
      reader.tensors_.emplace(name, StoredTensor{entry.info, std::move(data)});
    }
    reader.metadata_.insert(file.header.metadata.begin(), file.header.metadata.end());
  }
  return reader;
}

std::vector<std::string> SafetensorsReader::names() const {
  std::vector<std::string> names;
  names.reserve(tensors_.size());
  for (const auto& [name, tensor] : tensors_) names.push_back(name);
  return names;
}

bool SafetensorsReader::contains(std::string_view name) const {
  return tensors_.find(name) != tensors_.end();
}

const TensorInfo& SafetensorsReader::info(std::string_view name) const { return find(name).info; }

at::Tensor SafetensorsReader::get(std::string_view name) const {
  const StoredTensor& tensor = find(name);
  const auto options = at::TensorOptions().dtype(tensor.info.dtype);
  // ATen's kernels assume elements at aligned addresses. Files from the reference writer always
  // are; one from a writer that does not pad gets a copy rather than a crash.
  if (reinterpret_cast<std::uintptr_t>(tensor.data.get()) % c10::elementSize(tensor.info.dtype) != 0) {
    at::Tensor copy = at::empty(tensor.info.shape, options);
    std::memcpy(copy.data_ptr(), tensor.data.get(), copy.nbytes());
    return copy;
  }
  // The deleter does nothing but hold a copy of `data`: the file stays mapped while the tensor lives.
  const std::shared_ptr<const std::byte> data = tensor.data;
  const auto keep_mapped = [data](void*) {};
  return at::from_blob(const_cast<std::byte*>(data.get()), tensor.info.shape, keep_mapped, options);
}

const SafetensorsReader::StoredTensor& SafetensorsReader::find(std::string_view name) const {
  const auto found = tensors_.find(name);
  if (found != tensors_.end()) return found->second;
  std::string message = "no tensor '" + std::string(name) + "' in " + path_.string();
  if (const auto suggestion = nearest_match(name, names())) {
    message += " (did you mean '" + *suggestion + "'?)";
  }
  throw std::out_of_range(message);
}

}  // namespace vdep
