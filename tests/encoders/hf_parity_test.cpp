// clip_vit and siglip against HF transformers' own outputs for the same tiny random checkpoints,
// written by tests/fixtures/hf_parity/make_hf_parity.py where transformers is installed (the GPU
// machine). Skipped, saying so, until those files are committed.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <vdep/encoder.h>
#include <vdep/safetensors.h>

#include "encoder_test_support.h"

namespace vdep {
namespace {

const std::filesystem::path kParity = std::filesystem::path(VDEP_FIXTURES_DIR) / "hf_parity";

void expect_parity(const std::string& plugin, const std::string& select_feature) {
  const auto folder = kParity / (plugin == "clip_vit" ? "clip" : "siglip");
  if (!std::filesystem::exists(folder / "expected.safetensors")) {
    GTEST_SKIP() << "no HF reference in " << folder
                 << ": run tests/fixtures/hf_parity/make_hf_parity.py where transformers is installed "
                    "(the GPU machine) and commit its output";
  }
  toml::table settings{{"weights", folder.string()}, {"select_layer", -1}};
  if (plugin == "clip_vit") settings.insert("select_feature", select_feature);
  if (plugin == "siglip") settings.insert("load_head", true);
  auto encoder = test::make_encoder(plugin, std::move(settings));

  const SafetensorsReader expected = SafetensorsReader::open(folder / "expected.safetensors");
  EncodeOptions options;
  options.return_hidden_states = true;
  options.return_pooled = true;
  const EncoderOutput output = encoder->encode(expected.get("pixel_values"), options);
  std::size_t compared = 0;
  for (std::size_t i = 0; i < output.hidden_states.size(); ++i) {
    const std::string name = "hidden_states." + std::to_string(i);
    ASSERT_TRUE(expected.contains(name)) << name;
    EXPECT_TRUE(at::allclose(output.hidden_states[i], expected.get(name), 1e-4, 1e-4)) << plugin << " " << name;
    ++compared;
  }
  EXPECT_TRUE(expected.contains("hidden_states." + std::to_string(compared - 1)));
  EXPECT_FALSE(expected.contains("hidden_states." + std::to_string(compared)));  // every layer was compared
  EXPECT_TRUE(at::allclose(output.pooled, expected.get("pooler_output"), 1e-4, 1e-4)) << plugin << " pooler_output";
}

TEST(HfParity, ClipVisionModelHiddenStates) { expect_parity("clip_vit", "cls_patch"); }

TEST(HfParity, SiglipVisionModelHiddenStates) { expect_parity("siglip", "patch"); }

}  // namespace
}  // namespace vdep
