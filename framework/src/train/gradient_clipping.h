// Gradient clipping by global norm, as torch.nn.utils.clip_grad_norm_ (and so HF's Trainer with
// max_grad_norm) does it.
#pragma once

#include <vector>

#include "train/trainable_parameters.h"

namespace vdep {

// The L2 norm of every defined gradient taken together, before clipping. When it exceeds
// `max_norm`, every gradient is scaled by max_norm / (norm + 1e-6) (torch's epsilon keeps a zero
// norm finite). Parameters without a gradient are left out; with none at all the norm is 0.
double clip_grad_norm(const std::vector<TrainableParameter>& parameters, double max_norm);

}  // namespace vdep
