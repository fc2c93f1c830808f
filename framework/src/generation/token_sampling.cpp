#include "generation/token_sampling.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/ops/constant_pad_nd.h>
#include <ATen/ops/rand.h>

namespace vdep {

at::Tensor nucleus_filter(const at::Tensor& probs, double top_p) {
  if (top_p >= 1.0) {
    return probs;
  }
  auto [sorted, order] = probs.sort(/*stable=*/true, /*dim=*/-1, /*descending=*/true);
  // A token is in the nucleus while the tokens ranked above it are still short of top_p: that
  // keeps the one which makes the sum reach it, and always the first.
  at::Tensor mass_above = at::constant_pad_nd(sorted.cumsum(-1).narrow(-1, 0, sorted.size(-1) - 1), {1, 0});
  at::Tensor in_nucleus_sorted = mass_above.lt(top_p);
  at::Tensor in_nucleus = in_nucleus_sorted.scatter(-1, order, in_nucleus_sorted);
  return probs.masked_fill(in_nucleus.logical_not(), 0);
}

TokenSampler::TokenSampler(double temperature, double top_p, std::uint64_t seed)
    : temperature_(temperature), top_p_(top_p), generator_(at::detail::createCPUGenerator(seed)) {}

std::int64_t TokenSampler::next(const at::Tensor& logits) {
  if (temperature_ == 0.0) {
    return logits.argmax().item<std::int64_t>();
  }
  at::Tensor probs = nucleus_filter(logits.to(at::kFloat).div(temperature_).softmax(-1), top_p_);
  // Inverse transform sampling. In double, so that the tail of a large vocabulary keeps its
  // share; uniform < 1 puts the threshold below the total, so the count of cumulative sums not
  // above it is the index of a token with positive probability.
  at::Tensor cumulative = probs.to(at::kDouble).cumsum(-1);
  double uniform = at::rand({}, generator_, at::kDouble).item<double>();
  at::Tensor threshold = cumulative.select(-1, -1).mul(uniform);
  return cumulative.le(threshold).sum().item<std::int64_t>();
}

}  // namespace vdep
