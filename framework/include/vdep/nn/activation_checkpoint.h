// Activation checkpointing (torch.utils.checkpoint): a block runs without autograd in the forward,
// so that none of its intermediate activations are kept, and runs again under autograd in the
// backward to get its gradients. Memory falls from every activation of the block to its input;
// time rises by one more forward of it.
#pragma once

#include <functional>
#include <vector>

#include <ATen/core/Tensor.h>

#include <vdep/export.h>

namespace vdep::nn {

// `block` maps input → output deterministically given the random generators' state. It is called
// once now and once more in the backward, long after the caller has returned, so it must own (capture
// by value) everything it reads besides its argument. `parameters` are the tensors it reads that may
// need gradients (a module's parameters()): they receive theirs through the returned tensor's graph,
// like any other leaf's.
//
// The recomputation sees what the forward saw: the CPU generator's state (and the CUDA device's, for
// a CUDA input) is saved and set again around it, so that dropout draws the same mask, and the
// autocast state is the forward's, not the one that happens to be current when backward runs.
//
// Without grad mode, or when neither `input` nor any parameter requires grad, this is block(input).
VDEP_API at::Tensor checkpointed(const std::function<at::Tensor(const at::Tensor&)>& block, const at::Tensor& input,
                                 const std::vector<at::Tensor>& parameters);

}  // namespace vdep::nn
