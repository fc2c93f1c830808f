// The CUDA runtime calls vdep makes itself. They need c10/cuda headers, which only a CUDA LibTorch
// has: cuda_device.cpp implements them for such a build, cuda_device_absent.cpp for a CPU one,
// where nothing may reach them (compute_device never picks CUDA with no device visible).
#pragma once

namespace vdep {

// Makes GPU `index` this process's current CUDA device: where NCCL's communicator, the caching
// allocator and any kernel launched without an explicit device go.
void select_cuda_device(int index);

// The most memory the caching allocator has handed out on GPU `index` so far, in MiB (tensors
// only: its cached but unused blocks and the CUDA context are not counted).
double peak_cuda_allocated_mib(int index);

// Starts peak_cuda_allocated_mib's count again from what is allocated now (one measurement's peak).
void reset_peak_cuda_allocated(int index);

}  // namespace vdep
