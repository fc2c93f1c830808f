// The projector from encoder features to LLM embeddings, as LLaVA builds it from
// `mm_projector_type`, with LLaVA's parameter names so that `mm_projector.*` weights load as they
// are.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <vdep/weight_loading.h>

namespace vdep {

// "linear": one Linear (keys weight, bias); "mlpNx_gelu": N Linears with exact GELU between them,
// LLaVA's nn.Sequential indices (mlp2x_gelu, LLaVA-1.5's: 0.weight, 0.bias, 2.weight, 2.bias);
// "identity": no parameters, encoder width = LLM width.
struct ProjectorSpec {
  enum class Kind { Identity, Linear, MlpGelu } kind = Kind::MlpGelu;
  int depth = 2;  // Linears, for MlpGelu

  // Throws std::invalid_argument naming the accepted forms.
  static ProjectorSpec parse(const std::string& type);
  std::string name() const;
};

class ProjectorImpl : public torch::nn::Module {
 public:
  ProjectorImpl(const ProjectorSpec& spec, std::int64_t encoder_hidden, std::int64_t llm_hidden);
  // [..., encoder_hidden] → [..., llm_hidden]
  at::Tensor forward(const at::Tensor& features);

  const ProjectorSpec& spec() const { return spec_; }

 private:
  ProjectorSpec spec_;
  std::vector<torch::nn::Linear> layers_;
};
TORCH_MODULE(Projector);

// Loads the projector from a checkpoint holding it under LLaVA's names: "model.mm_projector."
// (a LLaVA checkpoint or its released mm_projector.bin), "mm_projector.", or bare (our own
// projector files), whichever the checkpoint has. Other keys (the LLM, the vision tower) are
// ignored. `file`: a torch.save file (.bin, .pt, .pth) or safetensors (a file, an index, a folder).
LoadReport load_projector_weights(Projector& projector, const std::filesystem::path& file);

}  // namespace vdep
