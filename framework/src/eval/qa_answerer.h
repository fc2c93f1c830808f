// The model's answer to one held-out question: the question's generation prompt with its image
// spliced in, then greedy generation, as LLaVA's model_vqa_loader answers a short-answer benchmark.
#pragma once

#include <cstdint>
#include <string>

#include <vdep/chat_template.h>
#include <vdep/tokenizer.h>

#include "data/sample_encoder.h"
#include "eval/qa_questions.h"
#include "model/multimodal_model.h"

namespace vdep {

struct QaAnswererOptions {
  std::int64_t max_new_tokens = 8;  // a word or a short phrase, with room for the end token
  bool pad_to_square = true;        // the image preprocessing the model was trained with
};

// Borrows the model, tokenizer and template for its lifetime.
class QaAnswerer {
 public:
  QaAnswerer(MultimodalModel& model, const Tokenizer& tokenizer, const ChatTemplate& chat_template,
             QaAnswererOptions options);

  // The generated text, up to the end token or the first newline. Runs without autograd and with
  // the LLM's and encoder's dropout off, their training mode restored after. Throws
  // std::runtime_error naming the question when its image cannot be read.
  std::string answer(const QaQuestion& question);

 private:
  at::Tensor pixel_values(const QaQuestion& question) const;

  MultimodalModel& model_;
  const Tokenizer& tokenizer_;
  const ChatTemplate& template_;
  QaAnswererOptions options_;
  // Only for its image path: the question's image becomes exactly what training fed the encoder.
  SampleEncoder image_encoder_;
};

}  // namespace vdep
