#include <vdep/nn/rotary_embedding.h>

#include <ATen/ATen.h>

namespace vdep::nn {

namespace {

at::Tensor rotate_half(const at::Tensor& x) {
  const auto half = x.size(-1) / 2;
  return at::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
}

}  // namespace

RotaryCosSin rotary_cos_sin(const at::Tensor& position_ids, std::int64_t rotary_dim, double theta,
                            at::ScalarType dtype) {
  TORCH_CHECK(rotary_dim > 0 && rotary_dim % 2 == 0, "the rotary dimension must be even and positive, got ",
              rotary_dim);
  TORCH_CHECK(position_ids.dim() == 2, "position_ids must be [batch, length], got ", position_ids.sizes());
  const auto fp32 = at::TensorOptions().dtype(at::kFloat).device(position_ids.device());
  // HF's expression, so that the fp32 roundings are the same: 1 / theta^(arange(0, dim, 2) / dim).
  const auto exponents = at::arange(0, rotary_dim, 2, fp32.dtype(at::kLong)).to(at::kFloat) / rotary_dim;
  const auto inverse_frequencies = 1.0 / at::pow(theta, exponents);
  const auto angles = position_ids.to(at::kFloat).unsqueeze(-1) * inverse_frequencies;  // [batch, length, dim/2]
  const auto both_halves = at::cat({angles, angles}, -1);
  return {both_halves.cos().to(dtype), both_halves.sin().to(dtype)};
}

at::Tensor apply_rotary(const at::Tensor& x, const RotaryCosSin& rotary) {
  const auto rotary_dim = rotary.rotary_dim();
  TORCH_CHECK(x.dim() == 4 && rotary_dim <= x.size(-1), "apply_rotary: x must be [batch, heads, length, head_dim] with ",
              "head_dim >= ", rotary_dim, ", got ", x.sizes());
  const auto cos = rotary.cos.unsqueeze(1);  // broadcast over heads
  const auto sin = rotary.sin.unsqueeze(1);
  if (rotary_dim == x.size(-1)) return x * cos + rotate_half(x) * sin;
  const auto rotated = x.narrow(-1, 0, rotary_dim);
  const auto passed = x.narrow(-1, rotary_dim, x.size(-1) - rotary_dim);
  return at::cat({rotated * cos + rotate_half(rotated) * sin, passed}, -1);
}

}  // namespace vdep::nn
