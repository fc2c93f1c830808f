// VDEP's image term: how far the LLM's hidden states at an image's positions are from the image
// embeddings the projector put there (the paper's "dynamic embeddings" X_I). The vdep objective
// plugin wraps this; the formulas live here, once, for it and for objectives written elsewhere.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include <vdep/export.h>
#include <vdep/objective.h>

namespace vdep {

// The paper's variants (tables 8-10) of the reduced squared error l2. Each is monotone increasing
// in l2, so minimising it still pulls the hidden states towards X_I:
//   L2        l2
//   SigmoidL2 sigmoid(l2)          (bounded in [1/2, 1): large errors stop dominating)
//   InvL2     1 - 1 / (1 + l2)     (the paper's "1/L2"; bounded in [0, 1))
enum class ImageLossVariant { L2, SigmoidL2, InvL2 };

// How l2 is reduced over the (hidden state, target) pairs.
enum class ImageLossReduction {
  Mean,     // mean over every pair's every dimension: mean squared error
  SumDims,  // squared distance summed over the dimensions, mean over pairs
};

struct ImageLossOptions {
  ImageLossVariant variant = ImageLossVariant::L2;
  ImageLossReduction reduction = ImageLossReduction::Mean;
  // 1: the hidden state at position p is compared with the image embedding at p + 1 (the
  // autoregressive reading: a position predicts the next one; the first embedding of an image is
  // predicted by the position before it). 0: the same position.
  std::int64_t shift = 1;
  // Stop the gradient into the target, so that only the LLM moves towards X_I (the paper's
  // default lets the target, and so the projector, move too).
  bool detach_target = false;
};

struct ImageLoss {
  at::Tensor value;         // scalar: the variant of the reduced l2; 0 without pairs
  at::Tensor l2;            // scalar: the reduced squared error before the variant, detached
  std::int64_t pairs = 0;   // (hidden state, target) positions compared
};

// `hidden` [batch, seq, d]: the chosen LLM hidden state; `targets` [batch, seq, d]: the LLM's input
// embeddings (at an image's positions, X_I). Every image given is compared, whatever its mode: the
// caller picks the Vdep-mode ones. Pairs whose hidden-state position would fall before
// the sequence start (shift 1 for an image at position 0) are skipped. Throws
// std::invalid_argument for a span outside the sequence or mismatched shapes.
VDEP_API ImageLoss image_reconstruction_loss(const at::Tensor& hidden, const at::Tensor& targets,
                                             const std::vector<ImagePlacement>& images,
                                             const ImageLossOptions& options);

// "l2" | "sigmoid_l2" | "inv_l2", "mean" | "sum_dims": the spellings of experiment files. Throw
// std::invalid_argument listing the accepted names.
VDEP_API ImageLossVariant image_loss_variant(const std::string& name);
VDEP_API ImageLossReduction image_loss_reduction(const std::string& name);

}  // namespace vdep
