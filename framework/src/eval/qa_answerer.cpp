#include "eval/qa_answerer.h"

#include <stdexcept>
#include <utility>
#include <variant>
#include <vector>

#include <torch/torch.h>

#include <vdep/generation.h>

#include "chat/image_marker_tokenizer.h"
#include "model/image_embedding_splice.h"

namespace vdep {

namespace {

// Puts a module in evaluation mode for one scope and gives it back its own mode after, so that an
// evaluation between training steps leaves the trainer's dropout as it was.
class EvaluationMode {
 public:
  explicit EvaluationMode(torch::nn::Module& module) : module_(module), was_training_(module.is_training()) {
    module_.eval();
  }
  ~EvaluationMode() { module_.train(was_training_); }
  EvaluationMode(const EvaluationMode&) = delete;
  EvaluationMode& operator=(const EvaluationMode&) = delete;

 private:
  torch::nn::Module& module_;
  bool was_training_;
};

}  // namespace

QaAnswerer::QaAnswerer(MultimodalModel& model, const Tokenizer& tokenizer, const ChatTemplate& chat_template,
                       QaAnswererOptions options)
    : model_(model),
      tokenizer_(tokenizer),
      template_(chat_template),
      options_(options),
      image_encoder_(chat_template, tokenizer, model.encoder().image_processor(),
                     SampleEncoderOptions{options.pad_to_square, false}) {}

at::Tensor QaAnswerer::pixel_values(const QaQuestion& question) const {
  const DatasetExample example{question.id, {question.image}, {question.question, {"gpt", question.reference}}};
  SampleOutcome encoded = image_encoder_.encode(example, SampleMode::Llava);
  if (const auto* skipped = std::get_if<SkippedSample>(&encoded)) {
    throw std::runtime_error("question " + question.id + ": " + std::string(skip_reason_name(skipped->reason)) + ": " +
                             skipped->detail);
  }
  return torch::stack(std::get<EncodedSample>(encoded).images);
}

std::string QaAnswerer::answer(const QaQuestion& question) {
  const torch::NoGradGuard no_grad;
  const EvaluationMode llm_mode(model_.llm().module());
  const EvaluationMode encoder_mode(model_.encoder().module());

  const std::string prompt = template_.render_generation_prompt({question.question});
  const std::vector<std::int64_t> input_ids = tokenize_with_image_markers(prompt, tokenizer_);
  const at::Tensor image_embeds =
      model_.image_embeddings(pixel_values(question).to(model_.device()));
  // Nothing is supervised and nothing is cut: the whole prompt must reach the model.
  const SpliceLayout layout =
      plan_image_splice({input_ids}, {std::vector<std::int64_t>(input_ids.size(), kIgnoreIndex)},
                        image_embeds.size(0), image_embeds.size(1), 0);
  const SplicedBatch prompt_embeds = splice_image_embeddings(
      layout, image_embeds, [this](const at::Tensor& ids) { return model_.llm().embed(ids.to(model_.device())); });

  GenerationOptions generation;
  generation.max_new_tokens = options_.max_new_tokens;
  generation.temperature = 0.0;
  if (const auto eos = tokenizer_.eos_id()) generation.eos_token_ids = {*eos};
  // The end of an answer: the EOS token for vicuna_v1 and phi (their answer separator), "\n" for
  // plain; and the matcher reads only the first line anyway.
  generation.stop_strings = {"\n"};
  return generate(model_.llm(), prompt_embeds.inputs_embeds, generation, &tokenizer_).text;
}

}  // namespace vdep
