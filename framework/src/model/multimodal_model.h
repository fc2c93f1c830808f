// The LLaVA-VDEP model: vision encoder → feature selection (the encoder's) → projector → image
// embeddings spliced into the LLM's input at each image marker → LLM.
#pragma once

#include <cstdint>

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <vdep/encoder.h>
#include <vdep/llm.h>
#include <vdep/objective.h>

#include "data/collated_batch.h"
#include "model/image_embedding_splice.h"
#include "model/projector.h"

namespace vdep {

struct MultimodalModelOptions {
  // Positions per sequence after image expansion (LLaVA's model_max_length); 0 = no limit.
  std::int64_t max_length = 2048;
  // The paper keeps the encoder frozen: the model turns requires_grad off on its parameters, and
  // a frozen encoder runs without autograd, which saves its activations. (Unfreezing it later,
  // requires_grad on any encoder parameter, makes it run with autograd again.)
  bool train_encoder = false;
  // Recompute the LLM's decoder layers in the backward instead of keeping their activations
  // (LlmForwardOptions::recompute_layers_in_backward; the stage key gradient_checkpointing).
  bool gradient_checkpointing = false;
};

class MultimodalModel {
 public:
  // Borrows the encoder and the LLM (the host owns plugin components) and holds the projector.
  MultimodalModel(Encoder& encoder, Llm& llm, Projector projector, MultimodalModelOptions options = {});

  // Moves the encoder, the LLM and the projector to `device`; batches must then come with their
  // pixel values there (move_to_device).
  void to(const c10::Device& device);
  // Where to() put the model: the CPU, where the plugins make their modules, until then.
  const c10::Device& device() const { return device_; }

  // Projected image embeddings X_I [images, encoder.num_tokens(), llm.hidden_size()] of
  // pixel_values [images, 3, H, W].
  at::Tensor image_embeddings(const at::Tensor& pixel_values);

  // Layout of a batch without running anything: what the trainer counts before the forward.
  SpliceLayout plan(const CollatedBatch& batch) const;

  // One micro-batch through the whole model, producing what the objectives read. Logits and
  // hidden states are computed as `needs` asks. The global-batch counts are left at 0 (this
  // micro-batch's own); the trainer fills them.
  ObjectiveBatch forward(const CollatedBatch& batch, const ObjectiveRequirements& needs);
  // The same with the batch's layout already planned (the trainer plans every micro-batch of a
  // step first, to count the step's targets).
  ObjectiveBatch forward(const CollatedBatch& batch, const SpliceLayout& layout, const ObjectiveRequirements& needs);

  Encoder& encoder() { return encoder_; }
  Llm& llm() { return llm_; }
  Projector& projector() { return projector_; }
  const MultimodalModelOptions& options() const { return options_; }
  // Stages may differ in their maximum length; 0 = no limit.
  void set_max_length(std::int64_t max_length) { options_.max_length = max_length; }
  // So may they in gradient checkpointing.
  void set_gradient_checkpointing(bool enabled) { options_.gradient_checkpointing = enabled; }

 private:
  // The encoder's output, with autograd only while some encoder parameter trains.
  EncoderOutput encode_images(const at::Tensor& pixel_values, bool pooled);
  at::Tensor project(at::Tensor features);

  Encoder& encoder_;
  Llm& llm_;
  Projector projector_;
  MultimodalModelOptions options_;
  c10::Device device_ = c10::DeviceType::CPU;
};

}  // namespace vdep
