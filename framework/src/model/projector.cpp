#include "model/projector.h"

#include <algorithm>
#include <regex>
#include <stdexcept>

#include <torch/nn/functional/activation.h>

#include "tensors/torch_state_dict.h"

namespace vdep {

ProjectorSpec ProjectorSpec::parse(const std::string& type) {
  ProjectorSpec spec;
  if (type == "identity") {
    spec.kind = Kind::Identity;
    spec.depth = 0;
    return spec;
  }
  if (type == "linear") {
    spec.kind = Kind::Linear;
    spec.depth = 1;
    return spec;
  }
  std::smatch match;
  static const std::regex mlp("^mlp([1-9][0-9]?)x_gelu$");
  if (std::regex_match(type, match, mlp)) {
    spec.kind = Kind::MlpGelu;
    spec.depth = std::stoi(match[1]);
    return spec;
  }
  throw std::invalid_argument("unknown projector type '" + type +
                              "' (expected linear, mlp2x_gelu or another mlpNx_gelu with N in 1..99, or identity)");
}

std::string ProjectorSpec::name() const {
  switch (kind) {
    case Kind::Identity: return "identity";
    case Kind::Linear: return "linear";
    case Kind::MlpGelu: return "mlp" + std::to_string(depth) + "x_gelu";
  }
  return "";
}

ProjectorImpl::ProjectorImpl(const ProjectorSpec& spec, std::int64_t encoder_hidden, std::int64_t llm_hidden)
    : spec_(spec) {
  if (spec.kind == ProjectorSpec::Kind::Identity) {
    if (encoder_hidden != llm_hidden) {
      throw std::invalid_argument("identity projector: the encoder's width " + std::to_string(encoder_hidden) +
                                  " differs from the LLM's " + std::to_string(llm_hidden));
    }
    return;
  }
  if (spec.kind == ProjectorSpec::Kind::Linear) {
    // LLaVA's nn.Linear is the projector itself: its parameters have no index.
    torch::nn::Linear linear(encoder_hidden, llm_hidden);
    register_parameter("weight", linear->weight);
    register_parameter("bias", linear->bias);
    layers_.push_back(linear);
    return;
  }
  // nn.Sequential(Linear, GELU, Linear, GELU, ...): the Linears sit at the even indices.
  for (int i = 0; i < spec.depth; ++i) {
    torch::nn::Linear linear(i == 0 ? encoder_hidden : llm_hidden, llm_hidden);
    layers_.push_back(register_module(std::to_string(2 * i), linear));
  }
}

at::Tensor ProjectorImpl::forward(const at::Tensor& features) {
  at::Tensor x = features;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    if (i > 0) x = torch::gelu(x);
    x = layers_[i](x);
  }
  return x;
}

namespace {

// LLaVA's names for the projector, then ours: "model.mm_projector." (a LLaVA checkpoint or its
// mm_projector.bin), "mm_projector.", or bare.
WeightLoadOptions projector_key_options(Projector& projector, const std::vector<std::string>& names) {
  WeightLoadOptions options;
  const auto parameters = projector->named_parameters();
  if (parameters.is_empty()) return options;
  const std::string first = parameters.begin()->key();
  for (const std::string prefix : {"model.mm_projector.", "mm_projector.", ""}) {
    if (std::find(names.begin(), names.end(), prefix + first) != names.end()) {
      options.prefix = prefix;
      break;
    }
  }
  // Everything else is expected: a full LLaVA checkpoint also holds the LLM and the vision tower.
  if (!options.prefix.empty()) {
    for (const std::string& name : names) {
      if (name.rfind(options.prefix, 0) != 0) options.ignored_prefixes.push_back(name);
    }
  }
  return options;
}

bool is_torch_save_file(const std::filesystem::path& file) {
  const std::string extension = file.extension().string();
  return extension == ".bin" || extension == ".pt" || extension == ".pth";
}

}  // namespace

LoadReport load_projector_weights(Projector& projector, const std::filesystem::path& file) {
  if (is_torch_save_file(file)) {
    const std::map<std::string, at::Tensor> tensors = read_torch_state_dict(file);
    std::vector<std::string> names;
    for (const auto& entry : tensors) names.push_back(entry.first);
    return load_weights(*projector, tensors, file.string(), projector_key_options(projector, names));
  }
  const SafetensorsReader checkpoint = SafetensorsReader::open(file);
  return load_weights(*projector, checkpoint, projector_key_options(projector, checkpoint.names()));
}

}  // namespace vdep
