#include "data/sample_encoder.h"

#include <variant>

#include <gtest/gtest.h>

#include "chat/word_test_tokenizer.h"
#include "image_examples_test.h"

namespace vdep {
namespace {

class SampleEncoderTest : public test::ImageExamplesTest {
 protected:
  SampleOutcome encode(const DatasetExample& example, SampleMode mode, bool text_labels_in_vdep_mode = false) {
    return SampleEncoder(*plain_, tokenizer_, four_pixels(), {true, text_labels_in_vdep_mode}).encode(example, mode);
  }
  static std::string sp(std::string text) {
    for (std::size_t at = text.find('_'); at != std::string::npos; at = text.find('_', at)) text.replace(at, 1, "\xe2\x96\x81");
    return text;
  }
  static SkippedSample skip_of(const SampleOutcome& outcome) {
    EXPECT_TRUE(std::holds_alternative<SkippedSample>(outcome));
    return std::holds_alternative<SkippedSample>(outcome) ? std::get<SkippedSample>(outcome) : SkippedSample{};
  }

  std::unique_ptr<ChatTemplate> plain_ = ChatTemplate::create("plain");
  test::WordTestTokenizer tokenizer_{test::llama_style()};
};

const std::string kMasked = "\xc2\xb7";

TEST_F(SampleEncoderTest, LlavaModeKeepsTheImageMarkerAndTheCaptionLabels) {
  const SampleOutcome outcome = encode(captioned("c1", solid_png("red.png", {255, 0, 51}), "a red square"), SampleMode::Llava);
  ASSERT_TRUE(std::holds_alternative<EncodedSample>(outcome)) << skip_of(outcome).detail;
  const EncodedSample& sample = std::get<EncodedSample>(outcome);
  EXPECT_EQ(sample.id, "c1");
  EXPECT_EQ(sample.mode, SampleMode::Llava);
  EXPECT_EQ(tokenizer_.spell(sample.input_ids), sp("<s> <IMG> _a _red _square\n"));
  EXPECT_EQ(tokenizer_.spell(sample.labels), kMasked + " " + kMasked + sp(" _a _red _square\n"));
  ASSERT_EQ(sample.images.size(), 1u);
  ASSERT_EQ(sample.images[0].sizes(), (at::IntArrayRef{3, 4, 4}));
  // 255 / 255, 0 / 255 and 51 / 255 everywhere.
  for (const auto& [channel, value] : {std::pair{0, 1.0f}, std::pair{1, 0.0f}, std::pair{2, 0.2f}}) {
    EXPECT_FLOAT_EQ(sample.images[0][channel].min().item<float>(), value) << channel;
    EXPECT_FLOAT_EQ(sample.images[0][channel].max().item<float>(), value) << channel;
  }
}

TEST_F(SampleEncoderTest, VdepModeMarksTheImageAsAutoImageAndSupervisesNoText) {
  const DatasetExample example = captioned("c1", solid_png("red.png", {255, 0, 0}), "a red square");
  const SampleOutcome outcome = encode(example, SampleMode::Vdep);
  ASSERT_TRUE(std::holds_alternative<EncodedSample>(outcome));
  const EncodedSample& sample = std::get<EncodedSample>(outcome);
  EXPECT_EQ(sample.mode, SampleMode::Vdep);
  EXPECT_EQ(sample.input_ids[1], kAutoImageTokenIndex);
  EXPECT_EQ(tokenizer_.spell(sample.input_ids), sp("<s> <AUTO> _a _red _square\n"));
  EXPECT_EQ(sample.labels, std::vector<std::int64_t>(5, kIgnoreIndex));

  const SampleOutcome with_text = encode(example, SampleMode::Vdep, true);
  ASSERT_TRUE(std::holds_alternative<EncodedSample>(with_text));
  EXPECT_EQ(tokenizer_.spell(std::get<EncodedSample>(with_text).labels),
            kMasked + " " + kMasked + sp(" _a _red _square\n"));
}

TEST_F(SampleEncoderTest, MissingAndUndecodableImagesAreSkippedWithTheirPath) {
  const auto missing = folder_ / "nowhere.png";
  const SkippedSample gone = skip_of(encode(captioned("m", missing, "x"), SampleMode::Llava));
  EXPECT_EQ(gone.id, "m");
  EXPECT_EQ(gone.reason, SkipReason::MissingImage);
  EXPECT_EQ(gone.detail, missing.string());

  const auto corrupt = write("corrupt.png", "not a PNG at all");
  const SkippedSample broken = skip_of(encode(captioned("b", corrupt, "x"), SampleMode::Vdep));
  EXPECT_EQ(broken.reason, SkipReason::UndecodableImage);
  EXPECT_EQ(broken.mode, SampleMode::Vdep);
  EXPECT_NE(broken.detail.find(corrupt.string()), std::string::npos) << broken.detail;
}

TEST_F(SampleEncoderTest, MarkersAndImagesMustAgreeInNumber) {
  DatasetExample two_images = captioned("two", solid_png("a.png", {1, 2, 3}), "x");
  two_images.images.push_back(solid_png("b.png", {4, 5, 6}));
  const SkippedSample skipped = skip_of(encode(two_images, SampleMode::Llava));
  EXPECT_EQ(skipped.reason, SkipReason::ImageCountMismatch);
  EXPECT_EQ(skipped.detail, "1 image markers in the prompt for 2 images");

  DatasetExample no_image = captioned("none", "", "x");
  no_image.images.clear();
  EXPECT_EQ(skip_of(encode(no_image, SampleMode::Llava)).detail, "1 image markers in the prompt for 0 images");
}

TEST_F(SampleEncoderTest, ConversationsTheTemplateRefusesOrCannotLabelAreSkipped) {
  const DatasetExample two_rounds{"r", {}, {{"human", "Hi"}, {"gpt", "Hello."}, {"human", "And?"}, {"gpt", "Bye."}}};
  const SkippedSample malformed = skip_of(encode(two_rounds, SampleMode::Llava));
  EXPECT_EQ(malformed.reason, SkipReason::MalformedConversation) << "plain takes one question and its caption";

  const DatasetExample text_only{"t", {}, {{"human", "Hi"}, {"gpt", "Hello."}}};
  test::WordTokenizerStyle style = test::llama_style();
  style.glue_after_colon = true;  // "ASSISTANT:" merges with the answer's first word
  test::WordTestTokenizer gluing(style);
  const auto vicuna = ChatTemplate::create("vicuna_v1");
  const SkippedSample mismatch = skip_of(SampleEncoder(*vicuna, gluing, four_pixels(), {}).encode(text_only, SampleMode::Llava));
  EXPECT_EQ(mismatch.reason, SkipReason::TokenizationMismatch);
  EXPECT_EQ(mismatch.detail.rfind("vicuna_v1: ", 0), 0u) << mismatch.detail;
}

}  // namespace
}  // namespace vdep
