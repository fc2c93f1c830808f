#include "model/projector.h"

#include <cmath>
#include <fstream>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <vdep/safetensors.h>

#include "support/temporary_folder.h"

namespace vdep {
namespace {

std::vector<std::string> parameter_names(torch::nn::Module& module) {
  std::vector<std::string> names;
  for (const auto& item : module.named_parameters()) names.push_back(item.key());
  std::sort(names.begin(), names.end());
  return names;
}

// Exact GELU, x * Phi(x), written out.
at::Tensor reference_gelu(const at::Tensor& x) { return x * 0.5 * (1.0 + torch::erf(x / std::sqrt(2.0))); }

using ProjectorTest = test::TemporaryFolderTest;

TEST_F(ProjectorTest, TypesParseAsLlavaNamesThem) {
  EXPECT_EQ(ProjectorSpec::parse("mlp2x_gelu").depth, 2);
  EXPECT_EQ(ProjectorSpec::parse("mlp3x_gelu").name(), "mlp3x_gelu");
  EXPECT_EQ(ProjectorSpec::parse("linear").kind, ProjectorSpec::Kind::Linear);
  EXPECT_EQ(ProjectorSpec::parse("identity").kind, ProjectorSpec::Kind::Identity);
  for (const std::string bad : {"mlp", "mlp0x_gelu", "mlp2x_relu", "Linear", ""}) {
    try {
      ProjectorSpec::parse(bad);
      ADD_FAILURE() << bad << " parsed";
    } catch (const std::invalid_argument& error) {
      EXPECT_NE(std::string(error.what()).find("expected linear, mlp2x_gelu"), std::string::npos);
    }
  }
}

TEST_F(ProjectorTest, ParameterNamesAreLlavasSequentialIndices) {
  Projector mlp2(ProjectorSpec::parse("mlp2x_gelu"), 6, 4);
  EXPECT_EQ(parameter_names(*mlp2), (std::vector<std::string>{"0.bias", "0.weight", "2.bias", "2.weight"}));
  EXPECT_EQ(mlp2->named_parameters()["0.weight"].sizes(), (at::IntArrayRef{4, 6}));
  EXPECT_EQ(mlp2->named_parameters()["2.weight"].sizes(), (at::IntArrayRef{4, 4}));
  Projector mlp3(ProjectorSpec::parse("mlp3x_gelu"), 6, 4);
  EXPECT_EQ(parameter_names(*mlp3),
            (std::vector<std::string>{"0.bias", "0.weight", "2.bias", "2.weight", "4.bias", "4.weight"}));
  Projector linear(ProjectorSpec::parse("linear"), 6, 4);
  EXPECT_EQ(parameter_names(*linear), (std::vector<std::string>{"bias", "weight"}));
  Projector identity(ProjectorSpec::parse("identity"), 4, 4);
  EXPECT_TRUE(parameter_names(*identity).empty());
  EXPECT_THROW(Projector(ProjectorSpec::parse("identity"), 6, 4), std::invalid_argument);
}

TEST_F(ProjectorTest, ForwardIsLinearGeluLinear) {
  torch::manual_seed(0);
  Projector mlp2(ProjectorSpec::parse("mlp2x_gelu"), 6, 4);
  const auto x = torch::randn({2, 5, 6});
  const auto p = mlp2->named_parameters();
  const auto hidden = reference_gelu(torch::matmul(x, p["0.weight"].t()) + p["0.bias"]);
  const auto expected = torch::matmul(hidden, p["2.weight"].t()) + p["2.bias"];
  EXPECT_TRUE(torch::allclose(mlp2(x), expected, 1e-6, 1e-6));

  Projector linear(ProjectorSpec::parse("linear"), 6, 4);
  const auto q = linear->named_parameters();
  EXPECT_TRUE(torch::allclose(linear(x), torch::matmul(x, q["weight"].t()) + q["bias"], 1e-6, 1e-6));
  Projector identity(ProjectorSpec::parse("identity"), 6, 6);
  EXPECT_TRUE(torch::equal(identity(x), x));
}

TEST_F(ProjectorTest, LoadsFromALlavaCheckpointAmongTheOtherWeights) {
  torch::manual_seed(1);
  const auto w0 = torch::randn({4, 6}), b0 = torch::randn({4}), w2 = torch::randn({4, 4}), b2 = torch::randn({4});
  // LLaVA names the projector model.mm_projector.* next to the LLM's own weights.
  write_safetensors(folder_ / "llava.safetensors", {{"model.embed_tokens.weight", torch::randn({10, 4})},
                                                    {"model.mm_projector.0.weight", w0.to(torch::kBFloat16)},
                                                    {"model.mm_projector.0.bias", b0.to(torch::kBFloat16)},
                                                    {"model.mm_projector.2.weight", w2.to(torch::kBFloat16)},
                                                    {"model.mm_projector.2.bias", b2.to(torch::kBFloat16)}});
  Projector projector(ProjectorSpec::parse("mlp2x_gelu"), 6, 4);
  const LoadReport report = load_projector_weights(projector, folder_ / "llava.safetensors");
  EXPECT_EQ(report.loaded.size(), 4u);
  EXPECT_TRUE(report.unexpected.empty());
  const auto p = projector->named_parameters();
  EXPECT_TRUE(torch::equal(p["0.weight"], w0.to(torch::kBFloat16).to(torch::kFloat)));
  EXPECT_TRUE(torch::equal(p["2.bias"], b2.to(torch::kBFloat16).to(torch::kFloat)));

  // Our own projector files hold the bare names.
  write_safetensors(folder_ / "bare.safetensors", {{"0.weight", w0}, {"0.bias", b0}, {"2.weight", w2}, {"2.bias", b2}});
  Projector bare(ProjectorSpec::parse("mlp2x_gelu"), 6, 4);
  load_projector_weights(bare, folder_ / "bare.safetensors");
  EXPECT_TRUE(torch::equal(bare->named_parameters()["0.weight"], w0));
}

TEST_F(ProjectorTest, LoadsLlavasReleasedMmProjectorBin) {
  // A torch.save zip as LLaVA releases it (bf16 dict under model.mm_projector.), written by
  // tests/fixtures/model/make_mm_projector_bin.py with values from formulas repeated here.
  const auto fixtures = std::filesystem::path(VDEP_FIXTURES_DIR) / "model";
  Projector projector(ProjectorSpec::parse("mlp2x_gelu"), 6, 4);
  const LoadReport report = load_projector_weights(projector, fixtures / "mm_projector.bin");
  EXPECT_EQ(report.loaded, (std::vector<std::string>{"model.mm_projector.0.bias", "model.mm_projector.0.weight",
                                                     "model.mm_projector.2.bias", "model.mm_projector.2.weight"}));
  const auto p = projector->named_parameters();
  for (std::int64_t i = 0; i < 4; ++i) {
    for (std::int64_t j = 0; j < 6; ++j) EXPECT_EQ(p["0.weight"][i][j].item<float>(), (i * 6 + j - 12) / 8.0f);
    for (std::int64_t j = 0; j < 4; ++j) EXPECT_EQ(p["2.weight"][i][j].item<float>(), (i * 4 + j - 8) / 16.0f);
    EXPECT_EQ(p["0.bias"][i].item<float>(), i / 4.0f);
    EXPECT_EQ(p["2.bias"][i].item<float>(), -i / 2.0f);
  }

  try {
    Projector linear(ProjectorSpec::parse("linear"), 1, 1);
    load_projector_weights(linear, fixtures / "single_entry.bin");
    FAIL() << "loaded";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("single_entry.bin: cannot read the torch.save data"), std::string::npos)
        << error.what();
  }
  std::ofstream(folder_ / "legacy.bin") << "\x80\x02not a zip";
  try {
    load_projector_weights(projector, folder_ / "legacy.bin");
    FAIL() << "loaded";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("not a torch.save zip file"), std::string::npos) << error.what();
  }
}

TEST_F(ProjectorTest, AWrongShapeNamesTheKey) {
  write_safetensors(folder_ / "wrong.safetensors", {{"mm_projector.weight", torch::zeros({4, 5})},
                                                    {"mm_projector.bias", torch::zeros({4})}});
  Projector linear(ProjectorSpec::parse("linear"), 6, 4);
  try {
    load_projector_weights(linear, folder_ / "wrong.safetensors");
    FAIL() << "loaded";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("mm_projector.weight"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace vdep
