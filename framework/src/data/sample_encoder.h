// One dataset example in one mode → what the model trains on, or the reason to skip it.
#pragma once

#include <variant>

#include <vdep/chat_template.h>
#include <vdep/dataset.h>
#include <vdep/image_processor_config.h>
#include <vdep/objective.h>
#include <vdep/tokenizer.h>

#include "data/encoded_sample.h"
#include "data/skipped_sample.h"

namespace vdep {

struct SampleEncoderOptions {
  bool pad_to_square = true;  // LLaVA-1.5's image_aspect_ratio = "pad"
  // Keep the answer labels of VDEP-mode samples (ObjectiveRequirements::text_labels_in_vdep_mode).
  bool text_labels_in_vdep_mode = false;
};

using SampleOutcome = std::variant<EncodedSample, SkippedSample>;

// Const and without state of its own: loader threads share one. The template and tokenizer must
// outlive it and be safe to call concurrently (the bundled ones are).
class SampleEncoder {
 public:
  SampleEncoder(const ChatTemplate& chat_template, const Tokenizer& tokenizer, ImageProcessorConfig image_config,
                SampleEncoderOptions options);

  // Tokenizes the conversation with the chat template and reads, decodes and preprocesses every
  // image. In VDEP mode every "<image>" marker becomes "<auto_image>" (kAutoImageTokenIndex), and
  // every label kIgnoreIndex unless text_labels_in_vdep_mode: VDEP's target is the image itself.
  // An example that cannot be trained on as it is comes back as a SkippedSample (SkipReason).
  // Throws std::runtime_error when this build cannot read image files (VDEP_WITH_IMAGE_CODECS=OFF)
  // and the example has an image.
  SampleOutcome encode(const DatasetExample& example, SampleMode mode) const;

 private:
  const ChatTemplate& template_;
  const Tokenizer& tokenizer_;
  ImageProcessorConfig image_config_;
  SampleEncoderOptions options_;
};

}  // namespace vdep
