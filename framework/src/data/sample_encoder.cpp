#include "data/sample_encoder.h"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>

#include "image/image_preprocessor.h"
#if VDEP_WITH_IMAGE_CODECS
#include "image/image_decoder.h"
#endif

namespace vdep {

namespace {

std::vector<ConversationTurn> with_auto_image_markers(std::vector<ConversationTurn> turns) {
  for (ConversationTurn& turn : turns) {
    for (std::size_t at = turn.value.find(kImageMarker); at != std::string::npos;
         at = turn.value.find(kImageMarker, at + kAutoImageMarker.size())) {
      turn.value.replace(at, kImageMarker.size(), kAutoImageMarker);
    }
  }
  return turns;
}

SkippedSample skipped(const DatasetExample& example, SampleMode mode, SkipReason reason, std::string detail) {
  return {example.id, mode, reason, std::move(detail)};
}

}  // namespace

SampleEncoder::SampleEncoder(const ChatTemplate& chat_template, const Tokenizer& tokenizer,
                             ImageProcessorConfig image_config, SampleEncoderOptions options)
    : template_(chat_template), tokenizer_(tokenizer), image_config_(image_config), options_(options) {}

SampleOutcome SampleEncoder::encode(const DatasetExample& example, SampleMode mode) const {
  std::optional<TokenizedConversation> tokens;
  std::string mismatch;
  try {
    tokens = mode == SampleMode::Vdep
                 ? template_.tokenize(with_auto_image_markers(example.conversations), tokenizer_, &mismatch)
                 : template_.tokenize(example.conversations, tokenizer_, &mismatch);
  } catch (const std::invalid_argument& error) {
    return skipped(example, mode, SkipReason::MalformedConversation, error.what());
  }
  if (!tokens) return skipped(example, mode, SkipReason::TokenizationMismatch, template_.name() + ": " + mismatch);

  const auto markers = static_cast<std::size_t>(std::count_if(
      tokens->input_ids.begin(), tokens->input_ids.end(),
      [](std::int64_t id) { return id == kImageTokenIndex || id == kAutoImageTokenIndex; }));
  if (markers != example.images.size()) {
    return skipped(example, mode, SkipReason::ImageCountMismatch,
                   std::to_string(markers) + " image markers in the prompt for " +
                       std::to_string(example.images.size()) + " images");
  }

  EncodedSample sample{example.id, mode, std::move(tokens->input_ids), std::move(tokens->labels), {}};
  if (mode == SampleMode::Vdep && !options_.text_labels_in_vdep_mode) {
    std::fill(sample.labels.begin(), sample.labels.end(), kIgnoreIndex);
  }
  for (const std::filesystem::path& image : example.images) {
    std::error_code error;
    if (!std::filesystem::is_regular_file(image, error)) {
      return skipped(example, mode, SkipReason::MissingImage, image.string());
    }
#if VDEP_WITH_IMAGE_CODECS
    cv::Mat rgb;
    try {
      rgb = decode_image_rgb(image);
    } catch (const std::runtime_error& failure) {
      return skipped(example, mode, SkipReason::UndecodableImage, failure.what());
    }
    sample.images.push_back(preprocess_image(rgb, image_config_, options_.pad_to_square));
#else
    throw std::runtime_error("this vdep was built without image codecs (VDEP_WITH_IMAGE_CODECS=OFF): cannot read " +
                             image.string() + " of example " + example.id);
#endif
  }
  return sample;
}

}  // namespace vdep
