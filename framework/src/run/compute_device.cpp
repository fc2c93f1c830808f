#include "run/compute_device.h"

#include <stdexcept>

namespace vdep {

DeviceSetting parse_device_setting(const std::string& name) {
  if (name == "auto") return DeviceSetting::Auto;
  if (name == "cpu") return DeviceSetting::Cpu;
  if (name == "cuda") return DeviceSetting::Cuda;
  throw std::invalid_argument("unknown device '" + name + "' (expected auto, cpu or cuda)");
}

c10::Device compute_device(DeviceSetting setting, int local_rank, int visible_cuda_devices) {
  if (setting == DeviceSetting::Cpu) return c10::Device(c10::DeviceType::CPU);
  if (visible_cuda_devices <= 0) {
    if (setting == DeviceSetting::Auto) return c10::Device(c10::DeviceType::CPU);
    throw std::invalid_argument("\"cuda\" asked for, but no CUDA device is visible: this LibTorch has no CUDA, "
                                "or no GPU is present or CUDA_VISIBLE_DEVICES hides them all");
  }
  if (local_rank < 0 || local_rank >= visible_cuda_devices) {
    throw std::invalid_argument("LOCAL_RANK " + std::to_string(local_rank) + " has no GPU of its own: " +
                                std::to_string(visible_cuda_devices) +
                                " CUDA device(s) are visible, so at most that many processes per machine can train "
                                "on CUDA (check --nproc-per-node and CUDA_VISIBLE_DEVICES)");
  }
  return c10::Device(c10::DeviceType::CUDA, static_cast<c10::DeviceIndex>(local_rank));
}

}  // namespace vdep
