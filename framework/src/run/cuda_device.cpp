#include "run/cuda_device.h"

#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAFunctions.h>

namespace vdep {

void select_cuda_device(int index) { c10::cuda::set_device(static_cast<c10::DeviceIndex>(index)); }

double peak_cuda_allocated_mib(int index) {
  const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(static_cast<c10::DeviceIndex>(index));
  // Entry 0 is StatType::AGGREGATE, both pools together; the enum moved namespaces across 2.x.
  return static_cast<double>(stats.allocated_bytes[0].peak) / (1024.0 * 1024.0);
}

void reset_peak_cuda_allocated(int index) {
  c10::cuda::CUDACachingAllocator::resetPeakStats(static_cast<c10::DeviceIndex>(index));
}

}  // namespace vdep
