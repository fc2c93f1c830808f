#include "train/trainable_parameters.h"

#include <algorithm>
#include <map>
#include <optional>
#include <stdexcept>

#include <torch/nn/module.h>
#include <torch/torch.h>

#include <vdep/safetensors.h>

namespace vdep {

namespace {

struct LayerRange {
  std::int64_t first = 0;
  std::int64_t last = -1;
};

// "llm.layers.A-B" → {A, B}; nullopt for any other spelling.
std::optional<LayerRange> parse_layer_range(const std::string& entry) {
  const std::string prefix = "llm.layers.";
  if (entry.rfind(prefix, 0) != 0) return std::nullopt;
  const std::string range = entry.substr(prefix.size());
  const auto dash = range.find('-');
  try {
    std::size_t used = 0;
    LayerRange layers;
    layers.first = std::stoll(range.substr(0, dash), &used);
    if (used != (dash == std::string::npos ? range.size() : dash)) return std::nullopt;
    layers.last = layers.first;
    if (dash != std::string::npos) {
      const std::string last = range.substr(dash + 1);
      layers.last = std::stoll(last, &used);
      if (used != last.size()) return std::nullopt;
    }
    return layers;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// The decoder layer a parameter name belongs to ("model.layers.12.mlp..." → 12), or -1.
std::int64_t decoder_layer_of(const std::string& name) {
  const std::string marker = "layers.";
  const auto at = name.find(marker);
  if (at == std::string::npos) return -1;
  try {
    return std::stoll(name.substr(at + marker.size()));
  } catch (const std::exception&) {
    return -1;
  }
}

}  // namespace

std::vector<std::pair<std::string, at::Tensor>> named_model_parameters(MultimodalModel& model) {
  std::vector<std::pair<std::string, at::Tensor>> named;
  for (const auto& item : model.projector()->named_parameters()) named.emplace_back(kProjectorPrefix + item.key(), item.value());
  for (const auto& item : model.encoder().module().named_parameters()) named.emplace_back(kEncoderPrefix + item.key(), item.value());
  for (const auto& item : model.llm().module().named_parameters()) named.emplace_back(item.key(), item.value());
  return named;
}

void restore_named_parameters(MultimodalModel& model, const std::vector<std::pair<std::string, at::Tensor>>& weights) {
  std::map<std::string, at::Tensor> parameters;
  for (auto& [name, tensor] : named_model_parameters(model)) parameters.emplace(name, tensor);
  torch::NoGradGuard no_grad;
  for (const auto& [name, value] : weights) {
    const auto found = parameters.find(name);
    if (found == parameters.end()) throw std::runtime_error("checkpoint weight '" + name + "' is not a parameter of this model");
    if (found->second.sizes() != value.sizes()) {
      throw std::runtime_error("checkpoint weight '" + name + "' has shape " + std::to_string(value.dim()) +
                               "-d " + std::to_string(value.numel()) + " values; the model's parameter has " +
                               std::to_string(found->second.numel()));
    }
    found->second.copy_(value);
  }
}

std::vector<std::string> load_named_parameters(MultimodalModel& model, const std::filesystem::path& weights) {
  const SafetensorsReader reader = SafetensorsReader::open(weights);
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (const std::string& name : reader.names()) tensors.emplace_back(name, reader.get(name));
  restore_named_parameters(model, tensors);
  return reader.names();
}

std::vector<TrainableParameter> select_trainable_parameters(MultimodalModel& model,
                                                            const std::vector<std::string>& modules) {
  bool projector = false, encoder = false, llm = false;
  std::vector<LayerRange> llm_layers;
  const std::int64_t layer_count = model.llm().num_layers();
  for (const std::string& entry : modules) {
    if (entry == "projector") {
      projector = true;
    } else if (entry == "encoder") {
      encoder = true;
    } else if (entry == "llm") {
      llm = true;
    } else if (const auto range = parse_layer_range(entry)) {
      if (range->first < 0 || range->last < range->first || range->last >= layer_count) {
        throw std::invalid_argument("'" + entry + "': the LLM has decoder layers 0-" + std::to_string(layer_count - 1));
      }
      llm_layers.push_back(*range);
    } else {
      throw std::invalid_argument("unknown trainable module '" + entry +
                                  "' (expected projector, encoder, llm or llm.layers.A-B)");
    }
  }

  std::vector<TrainableParameter> selected;
  for (auto& [name, tensor] : named_model_parameters(model)) {
    bool train = false;
    if (name.rfind(kProjectorPrefix, 0) == 0) {
      train = projector;
    } else if (name.rfind(kEncoderPrefix, 0) == 0) {
      train = encoder;
    } else {
      const std::int64_t layer = decoder_layer_of(name);
      train = llm || std::any_of(llm_layers.begin(), llm_layers.end(), [&](const LayerRange& range) {
                return layer >= range.first && layer <= range.last;
              });
    }
    tensor.set_requires_grad(train);
    if (train) selected.push_back({name, tensor, tensor.dim() >= 2});
  }
  return selected;
}

std::vector<TrainableParameter> objective_parameters(const std::vector<Objective*>& objectives) {
  std::vector<TrainableParameter> parameters;
  for (std::size_t index = 0; index < objectives.size(); ++index) {
    torch::nn::Module* module = objectives[index]->module();
    if (module == nullptr) continue;
    const std::string prefix = kObjectivePrefix + std::to_string(index) + ".";
    for (auto& item : module->named_parameters()) {
      item.value().set_requires_grad(true);
      parameters.push_back({prefix + item.key(), item.value(), item.value().dim() >= 2});
    }
  }
  return parameters;
}

}  // namespace vdep
