// The device a training process computes on, decided from the experiment's `device`, the process's
// LOCAL_RANK and the CUDA devices it sees: no GPU needed.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "run/compute_device.h"

namespace vdep {
namespace {

std::string error_of(DeviceSetting setting, int local_rank, int visible_cuda_devices) {
  try {
    compute_device(setting, local_rank, visible_cuda_devices);
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  ADD_FAILURE() << "no error";
  return {};
}

TEST(ComputeDeviceTest, AutoIsTheCpuWhereNoGpuIsVisible) {
  EXPECT_EQ(compute_device(DeviceSetting::Auto, 0, 0), c10::Device(c10::DeviceType::CPU));
  EXPECT_EQ(compute_device(DeviceSetting::Auto, 3, 0), c10::Device(c10::DeviceType::CPU));
}

TEST(ComputeDeviceTest, AutoTakesTheGpuOfTheLocalRank) {
  EXPECT_EQ(compute_device(DeviceSetting::Auto, 0, 1), c10::Device(c10::DeviceType::CUDA, 0));
  EXPECT_EQ(compute_device(DeviceSetting::Auto, 1, 2), c10::Device(c10::DeviceType::CUDA, 1));
  EXPECT_EQ(compute_device(DeviceSetting::Cuda, 1, 2), c10::Device(c10::DeviceType::CUDA, 1));
}

TEST(ComputeDeviceTest, CpuStaysOnTheCpuWhateverGpusThereAre) {
  EXPECT_EQ(compute_device(DeviceSetting::Cpu, 0, 0), c10::Device(c10::DeviceType::CPU));
  EXPECT_EQ(compute_device(DeviceSetting::Cpu, 5, 2), c10::Device(c10::DeviceType::CPU));
}

TEST(ComputeDeviceTest, CudaWithoutAVisibleGpuSaysWhy) {
  const std::string error = error_of(DeviceSetting::Cuda, 0, 0);
  EXPECT_NE(error.find("no CUDA device is visible"), std::string::npos) << error;
  EXPECT_NE(error.find("this LibTorch has no CUDA"), std::string::npos) << error;
}

TEST(ComputeDeviceTest, ALocalRankBeyondTheVisibleGpusIsAnError) {
  for (const DeviceSetting setting : {DeviceSetting::Auto, DeviceSetting::Cuda}) {
    const std::string error = error_of(setting, 3, 2);
    EXPECT_NE(error.find("LOCAL_RANK 3"), std::string::npos) << error;
    EXPECT_NE(error.find("2 CUDA device(s) are visible"), std::string::npos) << error;
  }
}

TEST(ComputeDeviceTest, ParsesTheThreeSettings) {
  EXPECT_EQ(parse_device_setting("auto"), DeviceSetting::Auto);
  EXPECT_EQ(parse_device_setting("cpu"), DeviceSetting::Cpu);
  EXPECT_EQ(parse_device_setting("cuda"), DeviceSetting::Cuda);
  EXPECT_THROW(parse_device_setting("gpu"), std::invalid_argument);
}

}  // namespace
}  // namespace vdep
