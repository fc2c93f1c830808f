// The Llm interface over an HF-style *ForCausalLM module, for decoder plugins (llama, phi, and a
// third party's): the plugin supplies the modules with the checkpoint's names, this supplies
// positions, masks, rotary tables, the KV cache and the outputs the interface promises.
#pragma once

#include <string>
#include <utility>

#include <ATen/core/grad_mode.h>
#include <c10/util/Exception.h>
#include <torch/nn/module.h>

#include <vdep/llm.h>
#include <vdep/nn/causal_attention.h>
#include <vdep/nn/decoder_config.h>
#include <vdep/nn/rotary_embedding.h>

namespace vdep::nn {

// `CausalLm` is a torch::nn::ModuleHolder whose module has
//   model->embed_tokens                          a torch::nn::Embedding,
//   model->forward(embeds, DecoderLayerInputs, hidden_states*)
//                                                the decoder layers and final norm, appending HF's
//                                                hidden_states when given a vector, each layer run
//                                                by decoder_layer_forward (which honours
//                                                LlmForwardOptions::recompute_layers_in_backward),
//   logits(last_hidden_state)                    the LM head.
template <typename CausalLm>
class DecoderLlm final : public Llm {
 public:
  // In evaluation mode, as HF's from_pretrained leaves a model: module().train() turns on the
  // dropout the model has.
  DecoderLlm(std::string name, DecoderConfig config, CausalLm model)
      : name_(std::move(name)), config_(std::move(config)), model_(std::move(model)) {
    model_->eval();
  }

  at::Tensor embed(const at::Tensor& ids) override {
    check_token_ids(ids, config_);
    return model_->model->embed_tokens(ids);
  }

  LlmOutput forward(const LlmInputs& inputs, const LlmForwardOptions& options) override {
    const DecoderStep step = prepare_decoder_step(inputs, config_.hidden_size, options.cache);
    const auto positions = step.cached_length + inputs.inputs_embeds.size(1);
    TORCH_CHECK(positions <= config_.max_position_embeddings, name_, ": ", positions,
                " positions exceed max_position_embeddings ", config_.max_position_embeddings);
    const auto dtype = model_->model->embed_tokens->weight.scalar_type();
    const RotaryCosSin rotary = rotary_cos_sin(step.position_ids, config_.rotary_dim(), config_.rope_theta, dtype);
    const bool recompute = options.recompute_layers_in_backward && at::GradMode::is_enabled();
    TORCH_CHECK(!recompute || (!options.cache && !options.return_attentions), name_,
                ": recompute_layers_in_backward cannot fill a KV cache or return attentions");
    LlmOutput output;
    const DecoderLayerInputs layer_inputs{rotary, step, options.cache,
                                          options.return_attentions ? &output.attentions : nullptr, recompute};
    output.last_hidden_state = model_->model->forward(inputs.inputs_embeds.to(dtype), layer_inputs,
                                                      options.return_hidden_states ? &output.hidden_states : nullptr);
    if (!options.skip_logits) output.logits = model_->logits(output.last_hidden_state);
    return output;
  }

  std::int64_t hidden_size() const override { return config_.hidden_size; }
  std::int64_t num_layers() const override { return config_.num_hidden_layers; }
  std::int64_t vocab_size() const override { return config_.vocab_size; }
  LlmSpecialTokens special_tokens() const override { return config_.special_tokens; }
  torch::nn::Module& module() override { return *model_; }

 private:
  std::string name_;
  DecoderConfig config_;
  CausalLm model_;
};

}  // namespace vdep::nn
