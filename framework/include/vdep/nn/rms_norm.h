// RMSNorm as HF's LlamaRMSNorm computes it, with its parameter name (`weight`).
#pragma once

#include <cstdint>

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <vdep/export.h>

namespace vdep::nn {

class VDEP_API RmsNormImpl : public torch::nn::Module {
 public:
  RmsNormImpl(std::int64_t size, double eps);
  // x / sqrt(mean(x^2) + eps) in fp32, cast back to x's dtype, then scaled by `weight` (so a bf16
  // model normalises with fp32 statistics, exactly as HF rounds).
  at::Tensor forward(const at::Tensor& x);

  at::Tensor weight;

 private:
  double eps_;
};
TORCH_MODULE(RmsNorm);

}  // namespace vdep::nn
