#include "data/batch_transfer.h"

#include <ATen/ATen.h>

namespace vdep {

void pin_batch_memory(CollatedBatch& batch) {
  if (batch.pixel_values.defined()) batch.pixel_values = batch.pixel_values.pin_memory();
}

void move_to_device(CollatedBatch& batch, const c10::Device& device) {
  if (!batch.pixel_values.defined() || batch.pixel_values.device() == device) return;
  const bool asynchronous = device.is_cuda() && batch.pixel_values.is_pinned();
  batch.pixel_values = batch.pixel_values.to(device, /*non_blocking=*/asynchronous);
}

}  // namespace vdep
