// The objective kind: turns the model's outputs for one micro-batch into named loss terms.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

#include <vdep/component.h>

namespace torch::nn {
class Module;
}

namespace vdep {

// How an example is trained in a VDEP pre-training stage (DESIGN.md, "What the method is").
enum class SampleMode : std::uint8_t {
  Llava,  // "<image>": text loss on the answer, as LLaVA-1.5
  Vdep,   // "<auto_image>": the LLM's hidden states at the image positions are pulled towards X_I
};

// Where one image's embeddings lie in the LLM's input sequence (after truncation: an image cut by
// the maximum length keeps the positions that remain; one cut entirely is not listed).
struct ImagePlacement {
  std::int64_t sample = 0;  // row of the batch
  std::int64_t start = 0;   // position of its first embedding
  std::int64_t length = 0;  // positions it occupies
  SampleMode mode = SampleMode::Llava;
};

// What the model produced for one micro-batch, in the layout of HF causal LMs: labels are aligned
// with the input positions, and position t's logits predict the label at t + 1.
struct ObjectiveBatch {
  at::Tensor logits;  // [batch, seq, vocab]; undefined when no objective asked for them
  at::Tensor labels;  // [batch, seq], int64; kIgnoreIndex marks positions without a target
  // [batch, seq, hidden]: the LLM's input. At an image's positions these are the projector's
  // outputs X_I, still attached to the projector's graph (VDEP's dynamic target). Undefined when
  // the LLM does not run (see ObjectiveRequirements).
  at::Tensor inputs_embeds;
  // [batch, seq] int64, 1 = real position, 0 = right padding.
  at::Tensor attention_mask;
  // As HF's `hidden_states` (index 0 the input embeddings, index i the output of layer i, the last
  // after the final norm); filled only when an objective's requirements() asks for them.
  std::vector<at::Tensor> hidden_states;
  std::vector<ImagePlacement> images;  // every image of the micro-batch, in sample order
  std::vector<SampleMode> sample_modes;  // per row
  // [images, encoder hidden]: the encoder's pooled output (CLIP's post-LayerNorm CLS token) of
  // every image of the micro-batch, in marker order, also those truncation cut; with the encoder's
  // graph when it trains. Only when an objective's requirements() asks for it.
  at::Tensor image_pooled;
  std::vector<std::int64_t> image_rows;  // per image of image_pooled, the batch row whose marker it fills

  // Counts over the whole global batch (all micro-batches of the optimizer step and all ranks),
  // so that a token weighs the same whatever micro-batch it lands in. 0 = this micro-batch's own.
  double supervised_tokens_in_global_batch = 0.0;  // labels != kIgnoreIndex, shifted by one
  double vdep_image_tokens_in_global_batch = 0.0;  // summed `length` of the Vdep-mode images
  double samples_in_global_batch = 0.0;
};

// What an objective needs the model to produce. The host takes the union over a stage's objectives.
// When none needs logits or hidden states the LLM does not run at all (an encoder-only stage):
// ObjectiveBatch::logits, inputs_embeds and hidden_states stay undefined, labels are still set.
struct ObjectiveRequirements {
  bool logits = true;          // the LM head's output
  bool hidden_states = false;  // ObjectiveBatch::hidden_states
  bool image_pooled = false;   // ObjectiveBatch::image_pooled
  // Keep the answer labels of Vdep-mode samples. By default a Vdep-mode sample carries no text
  // target (DESIGN.md: text_loss_in_vdep_mode = false), so text objectives skip it unawares.
  bool text_labels_in_vdep_mode = false;
};

inline constexpr std::int64_t kIgnoreIndex = -100;

// Named terms for logging and the value to minimise. `total` is what the trainer sums over
// objectives and back-propagates; `terms` are detached or not, as the objective likes. Both are
// this micro-batch's share of the global batch's value (see the global counts above), so that the
// trainer logs a step's loss as the sum over its micro-batches and ranks.
struct ObjectiveTerms {
  std::vector<std::pair<std::string, at::Tensor>> terms;
  at::Tensor total;
};

// The sizes of the model an objective trains with, for objectives that hold parameters of their
// own and must shape them to it.
struct ModelDimensions {
  std::int64_t encoder_hidden_size = 0;  // of EncoderOutput::features and ::pooled
  std::int64_t llm_hidden_size = 0;
  std::int64_t vocab_size = 0;  // the LLM's embedding rows: every token id lies below it
};

class VDEP_API Objective : public Component {
 public:
  ~Objective() override;
  // Called by the host once before the objective's stage trains (before module() is read); an
  // objective with parameters of its own creates them here.
  virtual void bind(const ModelDimensions& dimensions) { (void)dimensions; }
  virtual ObjectiveTerms compute(const ObjectiveBatch& batch) = 0;
  virtual ObjectiveRequirements requirements() const { return {}; }
  // Parameters the objective trains itself, beside the model's (a contrastive objective's text
  // tower and projections); nullptr for none. They train in every stage the objective is part of,
  // whatever the stage's `train` says, and are saved in its checkpoints under
  // "objectives.<N>.<parameter name>", N the objective's place in the stage's list (from 0).
  virtual torch::nn::Module* module() { return nullptr; }
};

}  // namespace vdep
