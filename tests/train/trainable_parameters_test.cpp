// Which parameters a stage trains, under LLaVA's checkpoint names.
#include <gtest/gtest.h>

#include <unistd.h>

#include <torch/torch.h>

#include <vdep/safetensors.h>

#include "support/tiny_multimodal_model.h"
#include "train/trainable_parameters.h"

namespace vdep {
namespace {

using TinyModel = test::TinyMultimodalModel;

std::vector<std::string> names(const std::vector<TrainableParameter>& parameters) {
  std::vector<std::string> result;
  for (const auto& parameter : parameters) result.push_back(parameter.name);
  return result;
}

TEST(TrainableParameters, ProjectorOnlyAsInPretraining) {
  TinyModel tiny;
  const auto selected = select_trainable_parameters(tiny.model, {"projector"});
  EXPECT_EQ(names(selected), (std::vector<std::string>{"model.mm_projector.0.weight", "model.mm_projector.0.bias",
                                                       "model.mm_projector.2.weight", "model.mm_projector.2.bias"}));
  EXPECT_TRUE(selected[0].decay);
  EXPECT_FALSE(selected[1].decay);  // a bias
  for (const auto& parameter : tiny.llm->module().parameters()) EXPECT_FALSE(parameter.requires_grad());
  for (const auto& parameter : tiny.encoder->module().parameters()) EXPECT_FALSE(parameter.requires_grad());
}

TEST(TrainableParameters, ProjectorAndLlmAsInSftWithNormWeightsExemptFromDecay) {
  TinyModel tiny;
  const auto selected = select_trainable_parameters(tiny.model, {"projector", "llm"});
  const std::size_t llm_count = tiny.llm->module().parameters().size();
  EXPECT_EQ(selected.size(), 4 + llm_count);
  for (const auto& parameter : selected) {
    const bool norm = parameter.name.find("norm") != std::string::npos;
    const bool bias = parameter.name.find("bias") != std::string::npos;
    EXPECT_EQ(parameter.decay, !(norm || bias)) << parameter.name;
  }
  EXPECT_NE(std::find(names(selected).begin(), names(selected).end(), "model.layers.1.self_attn.q_proj.weight"),
            names(selected).end());
}

TEST(TrainableParameters, LayerRangeSelectsThoseDecoderLayersOnly) {
  TinyModel tiny;
  const auto selected = select_trainable_parameters(tiny.model, {"llm.layers.1-1"});
  ASSERT_FALSE(selected.empty());
  for (const auto& parameter : selected) EXPECT_EQ(parameter.name.rfind("model.layers.1.", 0), 0u) << parameter.name;
  EXPECT_THROW(select_trainable_parameters(tiny.model, {"llm.layers.0-2"}), std::invalid_argument);  // 2 layers
  EXPECT_THROW(select_trainable_parameters(tiny.model, {"llm.layers.x"}), std::invalid_argument);
  EXPECT_THROW(select_trainable_parameters(tiny.model, {"vision"}), std::invalid_argument);
}

TEST(TrainableParameters, AnUnfrozenEncoderRunsWithAutograd) {
  TinyModel tiny;
  select_trainable_parameters(tiny.model, {"encoder"});
  const int side = tiny.encoder->image_processor().crop_size;
  tiny.model.image_embeddings(torch::randn({1, 3, side, side})).sum().backward();
  // Layers after the selected one (-2) and the post-norm are never run, so only those before get one.
  const auto named = tiny.encoder->module().named_parameters();
  EXPECT_TRUE(named["vision_model.embeddings.patch_embedding.weight"].grad().defined());
  EXPECT_TRUE(named["vision_model.encoder.layers.1.mlp.fc2.weight"].grad().defined());
  EXPECT_FALSE(named["vision_model.encoder.layers.2.mlp.fc2.weight"].grad().defined());
}

TEST(TrainableParameters, LoadsNamedWeightsFromASafetensorsFile) {
  TinyModel source;
  TinyModel target;
  {
    torch::NoGradGuard no_grad;
    for (auto& parameter : target.model.projector()->parameters()) parameter.zero_();
    for (auto& parameter : target.llm->module().parameters()) parameter.zero_();
  }
  const auto file = std::filesystem::temp_directory_path() / ("vdep-load-named-" + std::to_string(::getpid()) + ".safetensors");
  const at::Tensor projector = source.model.projector()->named_parameters()["0.weight"];
  const at::Tensor layer = source.llm->module().named_parameters()["model.layers.1.mlp.up_proj.weight"];
  write_safetensors(file, {{"model.mm_projector.0.weight", projector}, {"model.layers.1.mlp.up_proj.weight", layer}});
  EXPECT_EQ(load_named_parameters(target.model, file),
            (std::vector<std::string>{"model.layers.1.mlp.up_proj.weight", "model.mm_projector.0.weight"}));
  EXPECT_TRUE(torch::equal(target.model.projector()->named_parameters()["0.weight"], projector));
  EXPECT_TRUE(torch::equal(target.llm->module().named_parameters()["model.layers.1.mlp.up_proj.weight"], layer));

  write_safetensors(file, {{"model.mm_projector.9.weight", projector}});
  try {
    load_named_parameters(target.model, file);
    FAIL() << "an unknown weight must be refused";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("model.mm_projector.9.weight"), std::string::npos) << error.what();
  }
  std::filesystem::remove(file);
}

}  // namespace
}  // namespace vdep
