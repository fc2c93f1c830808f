// Random weights the way HF's _init_weights draws them for LLaMA, Phi and most decoder models.
#pragma once

#include <torch/nn/module.h>

#include <vdep/export.h>

namespace vdep::nn {

// Every matrix (linear and embedding weights) ~ N(0, std), every bias 0; vectors that are not
// biases (norm scales) keep their value, 1 for a fresh norm.
VDEP_API void initialise_like_hf(torch::nn::Module& module, double std);

}  // namespace vdep::nn
