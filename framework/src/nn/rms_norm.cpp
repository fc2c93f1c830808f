#include <vdep/nn/rms_norm.h>

#include <ATen/ATen.h>

namespace vdep::nn {

RmsNormImpl::RmsNormImpl(std::int64_t size, double eps) : eps_(eps) {
  weight = register_parameter("weight", at::ones({size}));
}

at::Tensor RmsNormImpl::forward(const at::Tensor& x) {
  const auto fp32 = x.to(at::kFloat);
  const auto normalised = fp32 * at::rsqrt(fp32.pow(2).mean(-1, /*keepdim=*/true) + eps_);
  return weight * normalised.to(x.scalar_type());
}

}  // namespace vdep::nn
