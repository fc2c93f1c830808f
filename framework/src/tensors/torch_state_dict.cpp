#include "tensors/torch_state_dict.h"

#include <fstream>
#include <iterator>
#include <stdexcept>

#include <ATen/core/ivalue.h>
#include <c10/util/Exception.h>
#include <torch/serialize.h>

namespace vdep {

std::map<std::string, at::Tensor> read_torch_state_dict(const std::filesystem::path& file) {
  std::ifstream stream(file, std::ios::binary);
  if (!stream) throw std::runtime_error(file.string() + ": cannot open");
  const std::vector<char> bytes((std::istreambuf_iterator<char>(stream)), std::istreambuf_iterator<char>());
  // torch.save's zip files start with a zip local-file header; the pre-1.6 format is a bare pickle.
  if (bytes.size() < 4 || bytes[0] != 'P' || bytes[1] != 'K') {
    throw std::runtime_error(file.string() +
                             ": not a torch.save zip file (files saved by PyTorch before 1.6, or with "
                             "_use_new_zipfile_serialization=False, must be re-saved or converted to safetensors)");
  }
  c10::IValue value;
  try {
    value = torch::pickle_load(bytes);
  } catch (const c10::Error& error) {
    throw std::runtime_error(file.string() + ": cannot read the torch.save data: " + error.what_without_backtrace());
  }
  if (!value.isGenericDict()) {
    throw std::runtime_error(file.string() + ": expected a dict of tensors, found " + value.tagKind());
  }
  std::map<std::string, at::Tensor> tensors;
  for (const auto& entry : value.toGenericDict()) {
    if (!entry.key().isString()) throw std::runtime_error(file.string() + ": a key is not a string");
    const std::string& name = entry.key().toStringRef();
    if (!entry.value().isTensor()) {
      throw std::runtime_error(file.string() + ": '" + name + "' is a " + entry.value().tagKind() + ", not a tensor");
    }
    tensors.emplace(name, entry.value().toTensor());
  }
  return tensors;
}

}  // namespace vdep
