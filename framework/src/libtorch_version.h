// The LibTorch API differences vdep meets between the versions it builds against: Debian's 1.13
// (CPU, Gloo) and the 2.x inside a CUDA PyTorch install (NCCL). Code that differs by
// version tests one of these names, so that which version brought what is written here alone.
#pragma once

#include <torch/version.h>

#define VDEP_LIBTORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) || (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

// 2.0 split c10d's ProcessGroup into a dispatching front and per-device Backends, whose collectives
// have the signatures that 1.13's ProcessGroup had.
#define VDEP_LIBTORCH_HAS_C10D_BACKEND VDEP_LIBTORCH_AT_LEAST(2, 0)

// at::scaled_dot_product_attention (flash and memory-efficient kernels) came with 2.0.
#define VDEP_LIBTORCH_HAS_SDPA VDEP_LIBTORCH_AT_LEAST(2, 0)

// 2.4 made autocast's state per device type (set_autocast_enabled(device, on), ...) and deprecated
// the CPU- and CUDA-named setters that 1.13 has alone.
#define VDEP_LIBTORCH_HAS_DEVICE_AUTOCAST_API VDEP_LIBTORCH_AT_LEAST(2, 4)

// 2.3 made c10::Allocator::allocate non-const and added the pure virtual copy_data.
#define VDEP_LIBTORCH_HAS_MUTABLE_ALLOCATOR VDEP_LIBTORCH_AT_LEAST(2, 3)
