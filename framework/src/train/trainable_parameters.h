// Which parameters a stage trains, under the names LLaVA's checkpoints give them, so that a saved
// stage loads where a LLaVA checkpoint would (model.mm_projector.* is what LLaVA's
// --pretrain_mm_mlp_adapter reads).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include <vdep/objective.h>

#include "model/multimodal_model.h"

namespace vdep {

struct TrainableParameter {
  std::string name;  // LLaVA's: model.mm_projector.0.weight, model.layers.3.mlp.up_proj.weight, ...
  at::Tensor tensor;
  // Weight decay applies to matrices only: biases and norm weights (every 1-D parameter) are
  // exempt, as in HF's Trainer.
  bool decay = true;
};

// Prefixes of the three parts in LLaVA's checkpoint layout. The LLM's parameters keep their own
// names (model.*, lm_head.*).
inline const std::string kProjectorPrefix = "model.mm_projector.";
inline const std::string kEncoderPrefix = "model.vision_tower.vision_tower.";
// Parameters objectives hold themselves (Objective::module()), which are no part of LLaVA's layout.
inline const std::string kObjectivePrefix = "objectives.";

// `modules`: any of "projector", "encoder", "llm", and "llm.layers.A-B" (decoder layers A to B,
// inclusive). Turns requires_grad on for exactly those parameters and off for every other one,
// and returns them in a stable order (projector, encoder, LLM, each in module order). Throws
// std::invalid_argument for an unknown entry or a layer range outside the LLM, naming it.
std::vector<TrainableParameter> select_trainable_parameters(MultimodalModel& model,
                                                            const std::vector<std::string>& modules);

// The parameters of the objectives that have their own (Objective::module()), named
// "objectives.<N>.<name>" after their place in `objectives`, with requires_grad turned on.
std::vector<TrainableParameter> objective_parameters(const std::vector<Objective*>& objectives);

// Copies `weights` (checkpoint name → tensor) into the model's parameters of those names. Throws
// std::runtime_error naming a weight the model has no parameter for, or one of another shape.
void restore_named_parameters(MultimodalModel& model, const std::vector<std::pair<std::string, at::Tensor>>& weights);

// Loads every tensor of `weights` (a training checkpoint folder, whose model.safetensors holds the
// weights, or a safetensors file, index or HF folder) into the model's parameter of that name, as
// restore_named_parameters does. Returns the names loaded.
std::vector<std::string> load_named_parameters(MultimodalModel& model, const std::filesystem::path& weights);

// Every parameter of the model under its checkpoint name (what a full checkpoint holds).
std::vector<std::pair<std::string, at::Tensor>> named_model_parameters(MultimodalModel& model);

}  // namespace vdep
