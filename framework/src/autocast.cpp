#include <vdep/autocast.h>

#include <stdexcept>
#include <string>

#include <ATen/autocast_mode.h>

#include "libtorch_version.h"

namespace vdep {

namespace {

void make_current(const AutocastState& state) {
#if VDEP_LIBTORCH_HAS_DEVICE_AUTOCAST_API
  at::autocast::set_autocast_enabled(at::kCPU, state.cpu_enabled);
  at::autocast::set_autocast_dtype(at::kCPU, state.cpu_dtype);
  at::autocast::set_autocast_enabled(at::kCUDA, state.cuda_enabled);
  at::autocast::set_autocast_dtype(at::kCUDA, state.cuda_dtype);
#else
  at::autocast::set_cpu_enabled(state.cpu_enabled);
  at::autocast::set_autocast_cpu_dtype(state.cpu_dtype);
  at::autocast::set_enabled(state.cuda_enabled);
  at::autocast::set_autocast_gpu_dtype(state.cuda_dtype);
#endif
}

}  // namespace

AutocastState AutocastState::current() {
  AutocastState state;
#if VDEP_LIBTORCH_HAS_DEVICE_AUTOCAST_API
  state.cpu_enabled = at::autocast::is_autocast_enabled(at::kCPU);
  state.cpu_dtype = at::autocast::get_autocast_dtype(at::kCPU);
  state.cuda_enabled = at::autocast::is_autocast_enabled(at::kCUDA);
  state.cuda_dtype = at::autocast::get_autocast_dtype(at::kCUDA);
#else
  state.cpu_enabled = at::autocast::is_cpu_enabled();
  state.cpu_dtype = at::autocast::get_autocast_cpu_dtype();
  state.cuda_enabled = at::autocast::is_enabled();
  state.cuda_dtype = at::autocast::get_autocast_gpu_dtype();
#endif
  return state;
}

AutocastState AutocastState::enabled_on(c10::DeviceType device, c10::ScalarType dtype) const {
  AutocastState state = *this;
  if (device == c10::DeviceType::CPU) {
    state.cpu_enabled = true;
    state.cpu_dtype = dtype;
  } else if (device == c10::DeviceType::CUDA) {
    state.cuda_enabled = true;
    state.cuda_dtype = dtype;
  } else {
    throw std::invalid_argument("autocast is supported on CPU and CUDA, not on " + c10::DeviceTypeName(device));
  }
  return state;
}

AutocastGuard::AutocastGuard(const AutocastState& state) : previous_(AutocastState::current()) {
  make_current(state);
  at::autocast::increment_nesting();
}

AutocastGuard::~AutocastGuard() {
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  make_current(previous_);
}

}  // namespace vdep
