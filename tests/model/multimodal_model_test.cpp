// The composed LLaVA-VDEP model over the bundled tiny CLIP and LLaMA: where the image embeddings
// land, what trains and what stays frozen.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <vdep/chat_template.h>
#include <vdep/encoder.h>
#include <vdep/llm.h>
#include <vdep/objective.h>

#include "model/multimodal_model.h"
#include "support/tiny_multimodal_model.h"

namespace vdep {
namespace {

constexpr std::int64_t I = kIgnoreIndex;

using TinyModel = test::TinyMultimodalModel;

// Sample 0: LLaVA mode, image then caption. Sample 1: VDEP mode, its caption unsupervised.
CollatedBatch two_samples(const Encoder& encoder) {
  CollatedBatch batch;
  batch.ids = {"a", "b"};
  batch.modes = {SampleMode::Llava, SampleMode::Vdep};
  batch.input_ids = {{1, kImageTokenIndex, 20, 21, 2}, {1, kAutoImageTokenIndex, 30, 2}};
  batch.labels = {{I, I, 20, 21, 2}, {I, I, I, I}};
  const int side = encoder.image_processor().crop_size;
  torch::manual_seed(3);
  batch.pixel_values = torch::randn({2, 3, side, side});
  return batch;
}

TEST(MultimodalModel, ImageEmbeddingsLandAtTheirMarkersAndTextAtItsTokens) {
  TinyModel tiny;
  const CollatedBatch batch = two_samples(*tiny.encoder);
  ObjectiveRequirements needs;
  needs.hidden_states = true;
  const ObjectiveBatch out = tiny.model.forward(batch, needs);

  const std::int64_t tokens = tiny.encoder->num_tokens();
  ASSERT_EQ(tokens, 4);  // 28 px at patch 14, CLS dropped
  ASSERT_EQ(out.inputs_embeds.sizes(), (at::IntArrayRef{2, 4 + tokens, 64}));
  ASSERT_EQ(out.logits.sizes(), (at::IntArrayRef{2, 4 + tokens, tiny.llm->vocab_size()}));
  ASSERT_EQ(out.hidden_states.size(), 3u);  // embeddings + 2 layers

  torch::NoGradGuard no_grad;
  const at::Tensor x_i = tiny.model.image_embeddings(batch.pixel_values);
  EXPECT_TRUE(torch::allclose(out.inputs_embeds[0].narrow(0, 1, tokens), x_i[0]));
  EXPECT_TRUE(torch::allclose(out.inputs_embeds[1].narrow(0, 1, tokens), x_i[1]));
  const at::Tensor text = tiny.llm->embed(torch::tensor({20, 21, 2}).unsqueeze(0)).squeeze(0);
  EXPECT_TRUE(torch::equal(out.inputs_embeds[0].narrow(0, 1 + tokens, 3), text));
  // Sample 1 is one position shorter: right padding, masked.
  EXPECT_EQ(out.attention_mask[1][4 + tokens - 1].item<std::int64_t>(), 0);
  EXPECT_TRUE(torch::equal(out.inputs_embeds[1][4 + tokens - 1], torch::zeros({64})));

  ASSERT_EQ(out.images.size(), 2u);
  EXPECT_EQ(out.images[0].mode, SampleMode::Llava);
  EXPECT_EQ(out.images[1].mode, SampleMode::Vdep);
  EXPECT_EQ(out.images[1].start, 1);
  EXPECT_EQ(out.images[1].length, tokens);
  const std::vector<std::int64_t> labels = {I, I, I, I, I, 20, 21, 2, I, I, I, I, I, I, I, I};
  const at::Tensor expected_labels = torch::tensor(labels).reshape({2, 8});
  EXPECT_TRUE(torch::equal(out.labels, expected_labels));
}

TEST(MultimodalModel, TheEncoderStaysFrozenWhileProjectorAndLlmLearn) {
  TinyModel tiny;
  const CollatedBatch batch = two_samples(*tiny.encoder);
  ObjectiveRequirements needs;
  needs.hidden_states = true;
  const ObjectiveBatch out = tiny.model.forward(batch, needs);
  (out.logits.sum() + out.hidden_states.back().pow(2).sum()).backward();

  for (const auto& parameter : tiny.encoder->module().parameters()) EXPECT_FALSE(parameter.grad().defined());
  for (const auto& parameter : tiny.model.projector()->parameters()) {
    ASSERT_TRUE(parameter.grad().defined());
    EXPECT_GT(parameter.grad().abs().sum().item<double>(), 0.0);
  }
  EXPECT_TRUE(tiny.llm->module().named_parameters()["model.embed_tokens.weight"].grad().defined());
}

TEST(MultimodalModel, SkipsTheHeadWhenNoObjectiveWantsLogits) {
  TinyModel tiny;
  ObjectiveRequirements needs;
  needs.logits = false;
  needs.hidden_states = true;
  const ObjectiveBatch out = tiny.model.forward(two_samples(*tiny.encoder), needs);
  EXPECT_FALSE(out.logits.defined());
  EXPECT_EQ(out.hidden_states.size(), 3u);
}

TEST(MultimodalModel, MaxLengthTruncatesAfterImageExpansion) {
  TinyModel tiny;
  MultimodalModelOptions options;
  options.max_length = 6;
  MultimodalModel model(*tiny.encoder, *tiny.llm,
                        Projector(ProjectorSpec::parse("linear"), tiny.encoder->hidden_size(), tiny.llm->hidden_size()),
                        options);
  const ObjectiveBatch out = model.forward(two_samples(*tiny.encoder), {});
  EXPECT_EQ(out.inputs_embeds.size(1), 6);
  EXPECT_EQ(out.labels[0][5].item<std::int64_t>(), 20);  // the caption's first token survives
}

}  // namespace
}  // namespace vdep
