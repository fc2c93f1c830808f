// Mixed precision by autocast (torch.autocast's rules: matmul-like ops run in the lower dtype,
// reductions and losses in fp32, the parameters stay fp32). The only place that calls LibTorch's
// autocast setters, which differ between LibTorch versions.
#pragma once

#include <c10/core/DeviceType.h>
#include <c10/core/ScalarType.h>

#include <vdep/export.h>

namespace vdep {

// Which autocast regions are on for this thread, and in which dtype.
struct VDEP_API AutocastState {
  bool cpu_enabled = false;
  c10::ScalarType cpu_dtype = c10::kBFloat16;
  bool cuda_enabled = false;
  c10::ScalarType cuda_dtype = c10::kHalf;

  static AutocastState current();
  // This state with `device`'s autocast on in `dtype` (CPU or CUDA).
  AutocastState enabled_on(c10::DeviceType device, c10::ScalarType dtype) const;
};

// Makes `state` current for its lifetime, as torch.autocast does as a context manager: on leaving
// the outermost region the cache of casted weights is cleared (it holds copies of the parameters
// that must not outlive an optimizer step), then the previous state comes back.
class VDEP_API AutocastGuard {
 public:
  explicit AutocastGuard(const AutocastState& state);
  ~AutocastGuard();
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  AutocastState previous_;
};

}  // namespace vdep
