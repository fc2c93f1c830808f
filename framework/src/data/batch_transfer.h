// A micro-batch's way from the loader's memory to the device the model trains on. Only the pixels
// are a tensor; token ids and labels become tensors inside the model, on its device.
#pragma once

#include <c10/core/Device.h>

#include "data/collated_batch.h"

namespace vdep {

// Moves the pixels into page-locked memory, from which a GPU copies them asynchronously. Needs a
// CUDA LibTorch; the loader's workers call it, off the training thread.
void pin_batch_memory(CollatedBatch& batch);

// Puts the batch's tensors on `device`: nothing is copied when they are there already (training on
// CPU). A copy from pinned memory to a GPU does not block the caller; it runs on the current CUDA
// stream, ahead of the kernels that read it.
void move_to_device(CollatedBatch& batch, const c10::Device& device);

}  // namespace vdep
