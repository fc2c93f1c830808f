// Rotary position embedding (RoPE) in HF's rotate_half convention: the rotated part of a head is
// split into two halves (x1, x2) that rotate as (x1 cos - x2 sin, x2 cos + x1 sin), with the
// frequency of pair i being theta^(-2i / rotary_dim).
#pragma once

#include <cstdint>

#include <ATen/core/Tensor.h>

#include <vdep/export.h>

namespace vdep::nn {

// The angles of a batch of positions, shared by every layer of one forward.
struct RotaryCosSin {
  at::Tensor cos;  // [batch, length, rotary_dim]
  at::Tensor sin;  // same shape
  std::int64_t rotary_dim() const { return cos.size(-1); }
};

// position_ids [batch, length] (any integer or floating dtype). The angles are computed in fp32
// whatever `dtype` is, as HF does, and only then cast to `dtype` (the activations' dtype), because
// bf16 positions above 256 are no longer exact integers.
VDEP_API RotaryCosSin rotary_cos_sin(const at::Tensor& position_ids, std::int64_t rotary_dim, double theta,
                                     at::ScalarType dtype);

// x [batch, heads, length, head_dim]: rotates the first rotary_dim of each head and leaves the
// rest (partial rotary, as Phi's partial_rotary_factor) unchanged.
VDEP_API at::Tensor apply_rotary(const at::Tensor& x, const RotaryCosSin& rotary);

}  // namespace vdep::nn
