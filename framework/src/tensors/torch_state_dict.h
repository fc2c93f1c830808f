// Reading the tensors of a torch.save file (PyTorch's zip serialization), such as the
// mm_projector.bin that LLaVA releases next to its checkpoints.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include <ATen/core/Tensor.h>

namespace vdep {

// The str → tensor dict that torch.save wrote (a state_dict, or LLaVA's plain dict of weights),
// as CPU tensors in their stored dtypes. Nested dicts, non-tensor values and the legacy
// (pre-1.6, non-zip) format throw std::runtime_error naming the file. LibTorch's unpickler does
// not know the SETITEM opcode that Python emits for a one-entry dict, so such a file is refused
// with that reason too.
std::map<std::string, at::Tensor> read_torch_state_dict(const std::filesystem::path& file);

}  // namespace vdep
