// Which device a training process computes on: the experiment's `device` setting, decided against
// the CUDA devices this process sees and its place on the machine (LOCAL_RANK), with no GPU needed
// to make the decision.
#pragma once

#include <string>

#include <c10/core/Device.h>

namespace vdep {

enum class DeviceSetting { Auto, Cpu, Cuda };

// "auto" | "cpu" | "cuda"; throws std::invalid_argument otherwise.
DeviceSetting parse_device_setting(const std::string& name);

// Auto is CUDA when a CUDA device is visible, else CPU. On CUDA each process of a machine takes
// its own GPU, cuda:`local_rank` (0 for a single process). Throws std::invalid_argument when
// CUDA is asked for and no device is visible, or when `local_rank` has no GPU of its own.
c10::Device compute_device(DeviceSetting setting, int local_rank, int visible_cuda_devices);

}  // namespace vdep
