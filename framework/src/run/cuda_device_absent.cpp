#include "run/cuda_device.h"

#include <stdexcept>

namespace vdep {

namespace {

[[noreturn]] void no_cuda() { throw std::logic_error("this vdep was built against a LibTorch without CUDA"); }

}  // namespace

void select_cuda_device(int) { no_cuda(); }

double peak_cuda_allocated_mib(int) { no_cuda(); }

void reset_peak_cuda_allocated(int) { no_cuda(); }

}  // namespace vdep
