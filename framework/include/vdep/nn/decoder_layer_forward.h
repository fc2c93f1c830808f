// One step of a decoder plugin's layer loop, checkpointed when the forward asks for it
// (DecoderLayerInputs::recompute_in_backward, from LlmForwardOptions::recompute_layers_in_backward).
#pragma once

#include <cstddef>
#include <memory>

#include <ATen/core/Tensor.h>

#include <vdep/nn/activation_checkpoint.h>
#include <vdep/nn/causal_attention.h>

namespace vdep::nn {

// layer->forward(x, index, inputs) for a module with that signature (a decoder layer of the llama or
// phi plugin, or a third party's).
template <typename LayerImpl>
at::Tensor decoder_layer_forward(const std::shared_ptr<LayerImpl>& layer, const at::Tensor& x, std::size_t index,
                                 const DecoderLayerInputs& inputs) {
  if (!inputs.recompute_in_backward) return layer->forward(x, index, inputs);
  // The recomputation runs in the backward, after the forward's rotary tables and masks have gone
  // out of scope: it keeps its own references to them (and to the layer).
  const auto rotary = std::make_shared<const RotaryCosSin>(inputs.rotary);
  const auto step = std::make_shared<const DecoderStep>(inputs.step);
  return checkpointed(
      [layer, rotary, step, index](const at::Tensor& input) {
        return layer->forward(input, index, DecoderLayerInputs{*rotary, *step, nullptr, nullptr, false});
      },
      x, layer->parameters());
}

}  // namespace vdep::nn
