// Loading a checkpoint into a LibTorch module whose parameter names mirror the checkpoint's keys.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <torch/nn/module.h>

#include <vdep/export.h>
#include <vdep/safetensors.h>

namespace vdep {

// Checkpoint keys, each list sorted.
struct LoadReport {
  std::vector<std::string> loaded;
  std::vector<std::string> missing;     // wanted by the module, absent (only with allow_missing)
  std::vector<std::string> unexpected;  // in the checkpoint, wanted by nothing, not ignored
};

struct WeightLoadOptions {
  // Prepended as is to every parameter and buffer name to form its checkpoint key: "vision_model."
  // loads "embeddings.patch_embedding.weight" from "vision_model.embeddings.patch_embedding.weight".
  std::string prefix;
  // Checkpoint keys starting with one of these are expected extras, not reported as unexpected:
  // "text_model." when loading the vision tower of a full CLIP checkpoint.
  std::vector<std::string> ignored_prefixes;
  bool allow_missing = false;
};

// Copies every parameter and buffer of `module` from `checkpoint`, converting to the module
// tensor's dtype and device. Everything is checked before anything is copied, so a failure leaves
// the module as it was: a shape mismatch throws std::runtime_error naming the key, both shapes
// and the file; missing keys throw one listing them, unless allow_missing. Unexpected keys are
// logged as a warning and returned in the report.
VDEP_API LoadReport load_weights(torch::nn::Module& module, const SafetensorsReader& checkpoint,
                                 const WeightLoadOptions& options = {});

// The same from tensors already in memory (a torch.save file read with read_torch_state_dict);
// `source` names them in messages.
VDEP_API LoadReport load_weights(torch::nn::Module& module, const std::map<std::string, at::Tensor>& tensors,
                                 const std::string& source, const WeightLoadOptions& options = {});

}  // namespace vdep
