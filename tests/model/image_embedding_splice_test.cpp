// The splice of image embeddings into token sequences, checked position by position against a
// batch worked out by hand.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <vdep/chat_template.h>

#include "model/image_embedding_splice.h"

namespace vdep {
namespace {

constexpr std::int64_t I = kIgnoreIndex;
constexpr std::int64_t kImage = kImageTokenIndex;
constexpr std::int64_t kAuto = kAutoImageTokenIndex;
constexpr std::int64_t kTokensPerImage = 3;
constexpr std::int64_t kWidth = 2;

// Sample 0, LLaVA mode: BOS, <image>, two caption tokens.
// Sample 1, VDEP mode with two images: BOS, <auto_image>, 7, <auto_image>, 8.
// Sample 2, text only.
const std::vector<std::vector<std::int64_t>> kIds = {{1, kImage, 5, 6}, {1, kAuto, 7, kAuto, 8}, {1, 9, 10}};
const std::vector<std::vector<std::int64_t>> kLabels = {{I, I, 5, 6}, {I, I, I, I, 8}, {I, 9, 10}};

// Text rows of the table in order: 1 5 6 | 1 7 8 | 1 9 10 (rows 0-8); image i, token k at row
// 9 + 3i + k; the zero row 18.
constexpr std::int64_t P = 18;

// A token embeds as (id, -id); image i's token k as (100 + 10i + k, 0).
at::Tensor embed(const at::Tensor& ids) {
  const at::Tensor values = ids.to(at::kFloat);
  return at::stack({values, -values}, -1);
}

at::Tensor image_embeds() {
  at::Tensor embeds = at::zeros({3, kTokensPerImage, kWidth});
  for (int image = 0; image < 3; ++image) {
    for (int k = 0; k < kTokensPerImage; ++k) embeds[image][k][0] = 100 + 10 * image + k;
  }
  return embeds;
}

TEST(ImageEmbeddingSplice, PlacesEveryPositionAsWorkedOutByHand) {
  const SpliceLayout layout = plan_image_splice(kIds, kLabels, 3, kTokensPerImage, 0);
  EXPECT_EQ(layout.batch, 3);
  EXPECT_EQ(layout.length, 9);
  EXPECT_EQ(layout.text_ids, (std::vector<std::int64_t>{1, 5, 6, 1, 7, 8, 1, 9, 10}));
  EXPECT_EQ(layout.source_rows, (std::vector<std::int64_t>{0, 9, 10, 11, 1, 2, P, P, P,  //
                                                           3, 12, 13, 14, 4, 15, 16, 17, 5,  //
                                                           6, 7, 8, P, P, P, P, P, P}));
  EXPECT_EQ(layout.labels, (std::vector<std::int64_t>{I, I, I, I, 5, 6, I, I, I,  //
                                                      I, I, I, I, I, I, I, I, 8,  //
                                                      I, 9, 10, I, I, I, I, I, I}));
  EXPECT_EQ(layout.attention_mask, (std::vector<std::int64_t>{1, 1, 1, 1, 1, 1, 0, 0, 0,  //
                                                              1, 1, 1, 1, 1, 1, 1, 1, 1,  //
                                                              1, 1, 1, 0, 0, 0, 0, 0, 0}));
  ASSERT_EQ(layout.images.size(), 3u);
  const std::vector<std::tuple<std::int64_t, std::int64_t, std::int64_t, SampleMode>> expected = {
      {0, 1, 3, SampleMode::Llava}, {1, 1, 3, SampleMode::Vdep}, {1, 5, 3, SampleMode::Vdep}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const ImagePlacement& image = layout.images[i];
    EXPECT_EQ(std::tie(image.sample, image.start, image.length, image.mode), expected[i]) << "image " << i;
  }
  // Targets at t + 1: 5 and 6; 8; 9 and 10.
  EXPECT_EQ(layout.supervised_targets(), 5);
  EXPECT_EQ(layout.vdep_image_tokens(), 6);
}

TEST(ImageEmbeddingSplice, TensorsTakeTokenAndImageEmbeddingsAtTheirPositions) {
  const SpliceLayout layout = plan_image_splice(kIds, kLabels, 3, kTokensPerImage, 0);
  const SplicedBatch spliced = splice_image_embeddings(layout, image_embeds(), embed);
  ASSERT_EQ(spliced.inputs_embeds.sizes(), (at::IntArrayRef{3, 9, kWidth}));
  const at::Tensor first = spliced.inputs_embeds.select(-1, 0);
  const at::Tensor expected_first = at::tensor({1, 100, 101, 102, 5, 6, 0, 0, 0,  //
                                                1, 110, 111, 112, 7, 120, 121, 122, 8,  //
                                                1, 9, 10, 0, 0, 0, 0, 0, 0},
                                               at::kFloat)
                                        .reshape({3, 9});
  EXPECT_TRUE(at::equal(first, expected_first));
  const at::Tensor second = spliced.inputs_embeds.select(-1, 1);
  EXPECT_TRUE(at::equal(second, (-expected_first) * (expected_first < 100) * (expected_first > 0)));
  EXPECT_EQ(std::vector<std::int64_t>(spliced.labels.data_ptr<std::int64_t>(),
                                      spliced.labels.data_ptr<std::int64_t>() + 27),
            layout.labels);
  EXPECT_EQ(spliced.attention_mask.sum().item<std::int64_t>(), 6 + 9 + 3);
}

TEST(ImageEmbeddingSplice, TruncationClipsAnImageAndDropsOneCutEntirely) {
  const SpliceLayout six = plan_image_splice(kIds, kLabels, 3, kTokensPerImage, 6);
  EXPECT_EQ(six.length, 6);
  ASSERT_EQ(six.images.size(), 3u);
  EXPECT_EQ(six.images[2].start, 5);
  EXPECT_EQ(six.images[2].length, 1);  // one of its three positions survives
  EXPECT_EQ(std::vector<std::int64_t>(six.source_rows.begin() + 6, six.source_rows.begin() + 12),
            (std::vector<std::int64_t>{3, 12, 13, 14, 4, 15}));
  EXPECT_EQ(six.supervised_targets(), 4);  // sample 1's "8" is cut
  EXPECT_EQ(six.vdep_image_tokens(), 4);

  const SpliceLayout four = plan_image_splice(kIds, kLabels, 3, kTokensPerImage, 4);
  ASSERT_EQ(four.images.size(), 2u);  // sample 1's second image began at 5
  EXPECT_EQ(four.images[1].start, 1);
  EXPECT_EQ(four.images[1].length, 3);
  EXPECT_EQ(four.supervised_targets(), 2);  // 9 and 10
}

TEST(ImageEmbeddingSplice, GradientReachesEveryPlacedImageRow) {
  const SpliceLayout layout = plan_image_splice(kIds, kLabels, 3, kTokensPerImage, 6);
  const at::Tensor images = image_embeds().requires_grad_(true);
  splice_image_embeddings(layout, images, embed).inputs_embeds.sum().backward();
  // Each placed image token is used once; image 2 keeps only its first position.
  at::Tensor expected = at::ones({3, kTokensPerImage, kWidth});
  expected[2].narrow(0, 1, 2).zero_();
  EXPECT_TRUE(at::equal(images.grad(), expected));
}

TEST(ImageEmbeddingSplice, TextOnlyBatchNeedsNoImages) {
  const SpliceLayout layout = plan_image_splice({{1, 2}, {3}}, {{I, 2}, {I}}, 0, kTokensPerImage, 0);
  const SplicedBatch spliced = splice_image_embeddings(layout, at::Tensor(), embed);
  EXPECT_EQ(spliced.inputs_embeds.sizes(), (at::IntArrayRef{2, 2, kWidth}));
  EXPECT_TRUE(layout.images.empty());
  EXPECT_EQ(layout.supervised_targets(), 1);
}

TEST(ImageEmbeddingSplice, MarkersAndImagesMustPairUp) {
  EXPECT_THROW(plan_image_splice(kIds, kLabels, 2, kTokensPerImage, 0), std::invalid_argument);
  EXPECT_THROW(plan_image_splice(kIds, kLabels, 4, kTokensPerImage, 0), std::invalid_argument);
  EXPECT_THROW(plan_image_splice({{1, 2}}, {{I}}, 0, kTokensPerImage, 0), std::invalid_argument);
  const SpliceLayout layout = plan_image_splice(kIds, kLabels, 3, kTokensPerImage, 0);
  EXPECT_THROW(splice_image_embeddings(layout, at::zeros({3, 2, kWidth}), embed), std::invalid_argument);
}

}  // namespace
}  // namespace vdep
