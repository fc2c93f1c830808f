// Choosing the next token from a model's logits: greedy, or sampled with temperature and nucleus
// (top-p) filtering.
#pragma once

#include <cstdint>

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

namespace vdep {

// Zeroes every probability outside the nucleus of `probs` ([vocab], non-negative): the smallest
// set of most probable tokens whose probabilities add up to at least `top_p` (in (0, 1]). The most
// probable token is always kept; among equal probabilities lower ids rank first. Not
// renormalised. top_p = 1 keeps everything, so that rounding in the cumulative sum cannot drop the
// least probable tokens.
at::Tensor nucleus_filter(const at::Tensor& probs, double top_p);

// Draws token ids from successive logits with one random stream, so that the same seed gives the
// same tokens.
class TokenSampler {
 public:
  // temperature 0 = greedy; otherwise temperature > 0 and top_p in (0, 1] (checked by the caller).
  TokenSampler(double temperature, double top_p, std::uint64_t seed);

  // logits: [vocab] on any device. Greedy: the argmax, the lowest id on ties.
  std::int64_t next(const at::Tensor& logits);

 private:
  double temperature_;
  double top_p_;
  // On the CPU whatever the logits' device: one uniform number per draw picks the token from the
  // cumulative distribution on the logits' device, so results do not depend on a device's RNG.
  at::Generator generator_;
};

}  // namespace vdep
