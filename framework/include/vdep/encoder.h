// The encoder kind: a vision encoder that turns normalised images into patch features.
#pragma once

#include <cstdint>
#include <vector>

#include <ATen/core/Tensor.h>

#include <vdep/component.h>
#include <vdep/image_processor_config.h>

namespace torch::nn {
class Module;
}

namespace vdep {

struct EncodeOptions {
  bool return_hidden_states = false;  // fill EncoderOutput::hidden_states (for probes and analysis)
  // Fill EncoderOutput::pooled. This runs every layer whatever the selected one; an encoder that
  // cannot pool (SigLIP without its head) throws std::invalid_argument.
  bool return_pooled = false;
};

struct EncoderOutput {
  // [batch, num_tokens(), hidden_size()]: the selected layer's hidden state, with or without the
  // CLS token as the encoder's feature selection says. This is what the projector consumes.
  at::Tensor features;
  // As HF's `hidden_states`: index 0 is the embeddings output, index i the output of layer i. Only
  // the layers computed are present (the encoder stops after the selected layer).
  std::vector<at::Tensor> hidden_states;
  // HF's pooler_output, [batch, hidden]: CLIP's post-LayerNorm CLS token, SigLIP's attention-pool
  // head. Only with EncodeOptions::return_pooled.
  at::Tensor pooled;
};

class VDEP_API Encoder : public Component {
 public:
  ~Encoder() override;

  // `pixel_values`: [batch, 3, H, W] float, normalised as image_processor() describes.
  virtual EncoderOutput encode(const at::Tensor& pixel_values, const EncodeOptions& options) = 0;

  virtual std::int64_t hidden_size() const = 0;
  virtual std::int64_t num_tokens() const = 0;  // per image, after feature selection
  // How images must be resized and normalised for this encoder (from the checkpoint's
  // preprocessor_config.json when it has one).
  virtual ImageProcessorConfig image_processor() const = 0;
  // The module holding every parameter, named as in the checkpoint (for freezing, device and
  // dtype moves, saving).
  virtual torch::nn::Module& module() = 0;
};

}  // namespace vdep
