#include <vdep/nn/hf_initialisation.h>

#include <string>

#include <torch/torch.h>

namespace vdep::nn {

void initialise_like_hf(torch::nn::Module& module, double std) {
  torch::NoGradGuard no_grad;
  for (auto& item : module.named_parameters()) {
    const std::string& name = item.key();
    auto& parameter = item.value();
    const bool is_bias = name == "bias" || (name.size() > 5 && name.compare(name.size() - 5, 5, ".bias") == 0);
    if (parameter.dim() >= 2) {
      parameter.normal_(0.0, std);
    } else if (is_bias) {
      parameter.zero_();
    }
  }
}

}  // namespace vdep::nn
