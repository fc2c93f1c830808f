#include "model/multimodal_model.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include <torch/torch.h>

#include <vdep/chat_template.h>

namespace vdep {

MultimodalModel::MultimodalModel(Encoder& encoder, Llm& llm, Projector projector, MultimodalModelOptions options)
    : encoder_(encoder), llm_(llm), projector_(std::move(projector)), options_(options) {
  if (options_.max_length < 0) throw std::invalid_argument("max_length must be >= 0 (0 = no limit)");
  for (auto& parameter : encoder_.module().parameters()) parameter.set_requires_grad(options_.train_encoder);
}

void MultimodalModel::to(const c10::Device& device) {
  encoder_.module().to(device);
  llm_.module().to(device);
  projector_->to(device);
  device_ = device;
}

EncoderOutput MultimodalModel::encode_images(const at::Tensor& pixel_values, bool pooled) {
  // Frozen, the encoder is a fixed feature extractor: no graph, no stored activations.
  const auto parameters = encoder_.module().parameters();
  const bool trains = std::any_of(parameters.begin(), parameters.end(),
                                  [](const at::Tensor& parameter) { return parameter.requires_grad(); });
  torch::AutoGradMode grad(trains && torch::GradMode::is_enabled());
  EncodeOptions options;
  options.return_pooled = pooled;
  return encoder_.encode(pixel_values, options);
}

at::Tensor MultimodalModel::project(at::Tensor features) {
  const auto parameters = projector_->parameters();
  if (!parameters.empty()) features = features.to(parameters.front().options());
  return projector_->forward(features);
}

at::Tensor MultimodalModel::image_embeddings(const at::Tensor& pixel_values) {
  return project(encode_images(pixel_values, false).features);
}

SpliceLayout MultimodalModel::plan(const CollatedBatch& batch) const {
  const std::int64_t images = batch.pixel_values.defined() ? batch.pixel_values.size(0) : 0;
  return plan_image_splice(batch.input_ids, batch.labels, images, encoder_.num_tokens(), options_.max_length);
}

ObjectiveBatch MultimodalModel::forward(const CollatedBatch& batch, const ObjectiveRequirements& needs) {
  return forward(batch, plan(batch), needs);
}

ObjectiveBatch MultimodalModel::forward(const CollatedBatch& batch, const SpliceLayout& layout,
                                        const ObjectiveRequirements& needs) {
  if (batch.modes.size() != batch.size()) {
    throw std::invalid_argument("batch has " + std::to_string(batch.size()) + " samples but " +
                                std::to_string(batch.modes.size()) + " modes");
  }
  ObjectiveBatch result;
  EncoderOutput encoded;
  if (layout.image_count > 0) encoded = encode_images(batch.pixel_values, needs.image_pooled);
  if (needs.image_pooled) {
    result.image_pooled = encoded.pooled;
    for (std::size_t row = 0; row < batch.size(); ++row) {
      for (const std::int64_t id : batch.input_ids[row]) {
        if (id == kImageTokenIndex || id == kAutoImageTokenIndex) result.image_rows.push_back(static_cast<std::int64_t>(row));
      }
    }
  }

  if (!needs.logits && !needs.hidden_states) {
    // Nothing reads the LLM: an encoder-only stage skips it, and the projector with it.
    result.labels = torch::tensor(layout.labels, torch::kLong).view({layout.batch, layout.length}).to(device_);
    result.attention_mask =
        torch::tensor(layout.attention_mask, torch::kLong).view({layout.batch, layout.length}).to(device_);
  } else {
    const at::Tensor image_embeds = layout.image_count > 0 ? project(encoded.features) : at::Tensor();
    const SplicedBatch spliced = splice_image_embeddings(
        layout, image_embeds, [this](const at::Tensor& ids) { return llm_.embed(ids.to(device_)); });
    LlmInputs inputs;
    inputs.inputs_embeds = spliced.inputs_embeds;
    inputs.attention_mask = spliced.attention_mask;
    LlmForwardOptions forward_options;
    forward_options.return_hidden_states = needs.hidden_states;
    forward_options.skip_logits = !needs.logits;
    forward_options.recompute_layers_in_backward = options_.gradient_checkpointing;
    LlmOutput output = llm_.forward(inputs, forward_options);
    result.logits = std::move(output.logits);
    result.labels = spliced.labels;
    result.inputs_embeds = spliced.inputs_embeds;
    result.attention_mask = spliced.attention_mask;
    result.hidden_states = std::move(output.hidden_states);
  }
  result.images = layout.images;
  result.sample_modes = batch.modes;
  return result;
}

}  // namespace vdep
