// clip_vit and siglip as a user gets them: through their plugins, from checkpoints written in HF's
// layout (config.json + model.safetensors with HF's key names), checked against a forward pass
// written out here with plain tensor operations.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include <torch/torch.h>
#include <unistd.h>

#include <vdep/encoder.h>
#include <vdep/safetensors.h>

#include "encoder_test_support.h"
#include "support/text_file.h"

namespace vdep {
namespace {

namespace fs = std::filesystem;
using Weights = std::map<std::string, torch::Tensor>;

std::unique_ptr<Encoder> make_encoder(const std::string& plugin, const fs::path& weights, std::int64_t select_layer,
                                      const std::string& select_feature = "patch") {
  toml::table settings{{"weights", weights.string()}, {"select_layer", select_layer}, {"preset", "tiny"}};
  if (plugin == "clip_vit") settings.insert("select_feature", select_feature);
  return test::make_encoder(plugin, std::move(settings));
}

// Random weights under HF's names for a vision tower of the given geometry.
Weights random_weights(bool clip, std::int64_t hidden, std::int64_t intermediate, std::int64_t layers,
                       std::int64_t image, std::int64_t patch) {
  torch::manual_seed(7);
  const std::int64_t patches = (image / patch) * (image / patch);
  Weights w;
  auto add = [&](const std::string& name, std::vector<std::int64_t> shape, double scale = 0.2) {
    w["vision_model." + name] = torch::randn(shape) * scale;
  };
  add("embeddings.patch_embedding.weight", {hidden, 3, patch, patch}, 0.05);
  if (clip) {
    add("embeddings.class_embedding", {hidden});
    add("embeddings.position_embedding.weight", {patches + 1, hidden});
    add("pre_layrnorm.weight", {hidden}, 1.0);
    add("pre_layrnorm.bias", {hidden});
  } else {
    add("embeddings.patch_embedding.bias", {hidden});
    add("embeddings.position_embedding.weight", {patches, hidden});
  }
  for (std::int64_t i = 0; i < layers; ++i) {
    const std::string layer = "encoder.layers." + std::to_string(i) + ".";
    for (const char* norm : {"layer_norm1", "layer_norm2"}) {
      add(layer + norm + ".weight", {hidden}, 1.0);
      add(layer + norm + ".bias", {hidden});
    }
    for (const char* proj : {"q_proj", "k_proj", "v_proj", "out_proj"}) {
      add(layer + "self_attn." + proj + ".weight", {hidden, hidden});
      add(layer + "self_attn." + proj + ".bias", {hidden});
    }
    add(layer + "mlp.fc1.weight", {intermediate, hidden});
    add(layer + "mlp.fc1.bias", {intermediate});
    add(layer + "mlp.fc2.weight", {hidden, intermediate});
    add(layer + "mlp.fc2.bias", {hidden});
  }
  add("post_layernorm.weight", {hidden}, 1.0);
  add("post_layernorm.bias", {hidden});
  return w;
}

void write_checkpoint(const fs::path& folder, const std::string& config_json, const Weights& weights) {
  fs::create_directories(folder);
  std::ofstream(folder / "config.json") << config_json;
  std::vector<std::pair<std::string, at::Tensor>> tensors(weights.begin(), weights.end());
  write_safetensors(folder / "model.safetensors", tensors);
}

// The reference forward pass: HF's CLIP / SigLIP vision encoder layer by layer.
torch::Tensor layer_norm(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias, double eps) {
  auto mean = x.mean(-1, true);
  auto var = (x - mean).pow(2).mean(-1, true);
  return (x - mean) / torch::sqrt(var + eps) * weight + bias;
}

std::vector<torch::Tensor> reference_hidden_states(const Weights& w, bool clip, const torch::Tensor& pixels,
                                                   std::int64_t heads, std::int64_t layers, std::int64_t patch,
                                                   double eps) {
  auto get = [&](const std::string& name) { return w.at("vision_model." + name); };
  auto linear = [&](const torch::Tensor& x, const std::string& name) {
    return torch::matmul(x, get(name + ".weight").t()) + get(name + ".bias");
  };
  const auto batch = pixels.size(0);
  const auto conv_bias = clip ? torch::Tensor() : get("embeddings.patch_embedding.bias");
  auto x = torch::conv2d(pixels, get("embeddings.patch_embedding.weight"), conv_bias, patch).flatten(2).transpose(1, 2);
  if (clip) x = torch::cat({get("embeddings.class_embedding").expand({batch, 1, -1}), x}, 1);
  x = x + get("embeddings.position_embedding.weight");
  if (clip) x = layer_norm(x, get("pre_layrnorm.weight"), get("pre_layrnorm.bias"), eps);
  std::vector<torch::Tensor> states{x};
  const auto hidden = x.size(2);
  const auto head_dim = hidden / heads;
  for (std::int64_t i = 0; i < layers; ++i) {
    const std::string l = "encoder.layers." + std::to_string(i) + ".";
    auto h = layer_norm(x, get(l + "layer_norm1.weight"), get(l + "layer_norm1.bias"), eps);
    auto split = [&](const torch::Tensor& t) { return t.view({batch, -1, heads, head_dim}).transpose(1, 2); };
    auto q = split(linear(h, l + "self_attn.q_proj"));
    auto k = split(linear(h, l + "self_attn.k_proj"));
    auto v = split(linear(h, l + "self_attn.v_proj"));
    auto attention = torch::softmax(torch::matmul(q, k.transpose(-1, -2)) / std::sqrt(double(head_dim)), -1);
    auto context = torch::matmul(attention, v).transpose(1, 2).reshape({batch, -1, hidden});
    x = x + linear(context, l + "self_attn.out_proj");
    h = linear(layer_norm(x, get(l + "layer_norm2.weight"), get(l + "layer_norm2.bias"), eps), l + "mlp.fc1");
    // quick_gelu for CLIP; GELU with the tanh approximation, written out, for SigLIP
    h = clip ? h * torch::sigmoid(1.702 * h)
             : 0.5 * h * (1 + torch::tanh(std::sqrt(2.0 / M_PI) * (h + 0.044715 * h.pow(3))));
    x = x + linear(h, l + "mlp.fc2");
    states.push_back(x);
  }
  return states;
}

class EncoderPluginsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = fs::temp_directory_path() / ("vdep-encoders-" + std::to_string(::getpid()) + "-" +
                                           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(folder_);
  }
  void TearDown() override { fs::remove_all(folder_); }
  fs::path folder_;
};

const char* kClipConfig = R"({
  "architectures": ["CLIPModel"], "model_type": "clip",
  "text_config": {"hidden_size": 8, "num_hidden_layers": 1},
  "vision_config": {"hidden_size": 16, "intermediate_size": 24, "num_hidden_layers": 3,
                    "num_attention_heads": 2, "image_size": 28, "patch_size": 14, "projection_dim": 8}
})";

const char* kSiglipConfig = R"({
  "model_type": "siglip_vision_model", "hidden_size": 16, "intermediate_size": 24,
  "num_hidden_layers": 3, "num_attention_heads": 4, "image_size": 42, "patch_size": 14,
  "layer_norm_eps": 1e-6, "hidden_act": "gelu_pytorch_tanh"
})";

TEST_F(EncoderPluginsTest, ClipMatchesTheReferenceAtEveryLayerAndDropsCls) {
  Weights weights = random_weights(true, 16, 24, 3, 28, 14);
  Weights checkpoint = weights;  // a full CLIPModel checkpoint also holds the text tower
  checkpoint["text_model.embeddings.token_embedding.weight"] = torch::randn({10, 8});
  checkpoint["logit_scale"] = torch::tensor(2.6592f);
  checkpoint["visual_projection.weight"] = torch::randn({8, 16});
  write_checkpoint(folder_, kClipConfig, checkpoint);

  torch::manual_seed(1);
  const auto pixels = torch::randn({2, 3, 28, 28});
  const auto expected = reference_hidden_states(weights, true, pixels, 2, 3, 14, 1e-5);

  auto encoder = make_encoder("clip_vit", folder_, -2);
  EXPECT_EQ(encoder->hidden_size(), 16);
  EXPECT_EQ(encoder->num_tokens(), 4);
  EncodeOptions options;
  options.return_hidden_states = true;
  const EncoderOutput output = encoder->encode(pixels, options);
  ASSERT_EQ(output.hidden_states.size(), 3u);  // embeddings + layers 1, 2: layer 3 is never run
  for (std::size_t i = 0; i < output.hidden_states.size(); ++i) {
    EXPECT_TRUE(torch::allclose(output.hidden_states[i], expected[i], 1e-4, 1e-5)) << "hidden state " << i;
  }
  EXPECT_EQ(output.features.sizes(), (std::vector<std::int64_t>{2, 4, 16}));
  EXPECT_TRUE(torch::allclose(output.features, expected[2].narrow(1, 1, 4), 1e-4, 1e-5));

  auto with_cls = make_encoder("clip_vit", folder_, -1, "cls_patch");
  EXPECT_EQ(with_cls->num_tokens(), 5);
  EXPECT_TRUE(torch::allclose(with_cls->encode(pixels, {}).features, expected[3], 1e-4, 1e-5));
  EXPECT_TRUE(torch::allclose(make_encoder("clip_vit", folder_, 0)->encode(pixels, {}).features,
                              expected[0].narrow(1, 1, 4), 1e-5, 1e-6));
}

TEST_F(EncoderPluginsTest, SiglipMatchesTheReferenceAndKeepsEveryPatch) {
  Weights weights = random_weights(false, 16, 24, 3, 42, 14);
  Weights checkpoint = weights;
  checkpoint["vision_model.head.probe"] = torch::randn({1, 1, 16});  // the attention-pool head: not needed
  write_checkpoint(folder_, kSiglipConfig, checkpoint);

  torch::manual_seed(2);
  const auto pixels = torch::randn({2, 3, 42, 42});
  const auto expected = reference_hidden_states(weights, false, pixels, 4, 3, 14, 1e-6);
  auto encoder = make_encoder("siglip", folder_, -2);
  EXPECT_EQ(encoder->num_tokens(), 9);
  EncodeOptions options;
  options.return_hidden_states = true;
  const EncoderOutput output = encoder->encode(pixels, options);
  ASSERT_EQ(output.hidden_states.size(), 3u);
  for (std::size_t i = 0; i < output.hidden_states.size(); ++i) {
    EXPECT_TRUE(torch::allclose(output.hidden_states[i], expected[i], 1e-4, 1e-5)) << "hidden state " << i;
  }
  EXPECT_TRUE(torch::allclose(output.features, expected[2], 1e-4, 1e-5));
  const ImageProcessorConfig processor = encoder->image_processor();
  EXPECT_EQ(processor.resize, ImageProcessorConfig::Resize::Exact);
  EXPECT_EQ(processor.size, 42);
  EXPECT_DOUBLE_EQ(processor.mean[0], 0.5);
  EXPECT_DOUBLE_EQ(processor.std[2], 0.5);
}

TEST_F(EncoderPluginsTest, RealGeometriesGiveLlavasTokenCounts) {
  // Tiny widths, the real image and patch sizes: 336/14 → 576 patches, 384/14 → all 729 kept.
  write_checkpoint(folder_ / "clip", R"({"hidden_size": 8, "intermediate_size": 8, "num_hidden_layers": 2,
      "num_attention_heads": 2, "image_size": 336, "patch_size": 14})", random_weights(true, 8, 8, 2, 336, 14));
  write_checkpoint(folder_ / "siglip", R"({"hidden_size": 8, "intermediate_size": 8, "num_hidden_layers": 2,
      "num_attention_heads": 2, "image_size": 384, "patch_size": 14})", random_weights(false, 8, 8, 2, 384, 14));
  auto clip = make_encoder("clip_vit", folder_ / "clip", -2);
  EXPECT_EQ(clip->num_tokens(), 576);
  EXPECT_EQ(clip->encode(torch::zeros({1, 3, 336, 336}), {}).features.size(1), 576);
  auto siglip = make_encoder("siglip", folder_ / "siglip", -2);
  EXPECT_EQ(siglip->num_tokens(), 729);
  EXPECT_EQ(siglip->encode(torch::zeros({1, 3, 384, 384}), {}).features.size(1), 729);
}

TEST_F(EncoderPluginsTest, ModuleParametersCarryHfKeyNames) {
  write_checkpoint(folder_, kClipConfig, random_weights(true, 16, 24, 3, 28, 14));
  auto encoder = make_encoder("clip_vit", folder_, -2);
  std::set<std::string> names;
  for (const auto& item : encoder->module().named_parameters()) names.insert(item.key());
  for (const char* key : {"vision_model.embeddings.class_embedding", "vision_model.embeddings.patch_embedding.weight",
                          "vision_model.embeddings.position_embedding.weight", "vision_model.pre_layrnorm.weight",
                          "vision_model.encoder.layers.2.self_attn.out_proj.bias",
                          "vision_model.encoder.layers.0.mlp.fc1.weight", "vision_model.post_layernorm.bias"}) {
    EXPECT_EQ(names.count(key), 1u) << key;
  }
  EXPECT_EQ(names.count("vision_model.embeddings.patch_embedding.bias"), 0u);  // CLIP's patch conv has no bias
}

TEST_F(EncoderPluginsTest, MissingKeyIsAnErrorNamingIt) {
  Weights weights = random_weights(true, 16, 24, 3, 28, 14);
  weights.erase("vision_model.encoder.layers.1.mlp.fc2.bias");
  write_checkpoint(folder_, kClipConfig, weights);
  try {
    make_encoder("clip_vit", folder_, -2);
    FAIL() << "expected an error";
  } catch (const UsageError& error) {
    EXPECT_CONTAINS(error.what(), "encoder plugin 'clip_vit'");
    EXPECT_CONTAINS(error.what(), "vision_model.encoder.layers.1.mlp.fc2.bias");
  }
}

TEST_F(EncoderPluginsTest, CorruptCheckpointIsAnErrorNamingTheFile) {
  write_checkpoint(folder_, kClipConfig, random_weights(true, 16, 24, 3, 28, 14));
  fs::resize_file(folder_ / "model.safetensors", fs::file_size(folder_ / "model.safetensors") / 2);
  try {
    make_encoder("clip_vit", folder_, -2);
    FAIL() << "expected an error";
  } catch (const UsageError& error) {
    EXPECT_CONTAINS(error.what(), (folder_ / "model.safetensors").string());
  }
}

TEST_F(EncoderPluginsTest, SelectLayerOutsideTheEncoderIsRejected) {
  write_checkpoint(folder_, kClipConfig, random_weights(true, 16, 24, 3, 28, 14));
  try {
    make_encoder("clip_vit", folder_, 4);
    FAIL() << "expected an error";
  } catch (const UsageError& error) {
    EXPECT_CONTAINS(error.what(), "select_layer 4 is outside [-4, 3] for an encoder with 3 layers");
  }
}

TEST_F(EncoderPluginsTest, PreprocessorConfigOverridesTheDefaults) {
  write_checkpoint(folder_, kClipConfig, random_weights(true, 16, 24, 3, 28, 14));
  std::ofstream(folder_ / "preprocessor_config.json") << R"({
    "crop_size": {"height": 28, "width": 28}, "do_center_crop": true, "do_normalize": true,
    "do_resize": true, "image_mean": [0.1, 0.2, 0.3], "image_std": [0.4, 0.5, 0.6],
    "resample": 3, "rescale_factor": 0.00392156862745098, "size": {"shortest_edge": 32},
    "image_processor_type": "CLIPImageProcessor"})";
  const ImageProcessorConfig processor = make_encoder("clip_vit", folder_, -2)->image_processor();
  EXPECT_EQ(processor.size, 32);
  EXPECT_EQ(processor.crop_size, 28);
  EXPECT_DOUBLE_EQ(processor.mean[1], 0.2);
  EXPECT_DOUBLE_EQ(processor.std[2], 0.6);
}

TEST_F(EncoderPluginsTest, SiglipHeadLoadsOnlyWhenAskedForAndPools) {
  Weights weights = random_weights(false, 16, 24, 3, 42, 14);
  // HF's SiglipMultiheadAttentionPoolingHead keys (nn.MultiheadAttention inside).
  weights["vision_model.head.probe"] = torch::randn({1, 1, 16});
  weights["vision_model.head.attention.in_proj_weight"] = torch::randn({48, 16}) * 0.2;
  weights["vision_model.head.attention.in_proj_bias"] = torch::randn({48}) * 0.2;
  weights["vision_model.head.attention.out_proj.weight"] = torch::randn({16, 16}) * 0.2;
  weights["vision_model.head.attention.out_proj.bias"] = torch::randn({16}) * 0.2;
  weights["vision_model.head.layernorm.weight"] = torch::randn({16});
  weights["vision_model.head.layernorm.bias"] = torch::randn({16});
  weights["vision_model.head.mlp.fc1.weight"] = torch::randn({24, 16}) * 0.2;
  weights["vision_model.head.mlp.fc1.bias"] = torch::randn({24}) * 0.2;
  weights["vision_model.head.mlp.fc2.weight"] = torch::randn({16, 24}) * 0.2;
  weights["vision_model.head.mlp.fc2.bias"] = torch::randn({16}) * 0.2;
  write_checkpoint(folder_, kSiglipConfig, weights);

  auto without = make_encoder("siglip", folder_, -2);
  EncodeOptions pooled;
  pooled.return_pooled = true;
  EXPECT_THROW(without->encode(torch::zeros({1, 3, 42, 42}), pooled), std::invalid_argument);

  auto with = test::make_encoder("siglip", toml::table{{"weights", folder_.string()}, {"load_head", true}});
  torch::manual_seed(3);
  const auto pixels = torch::randn({2, 3, 42, 42});
  const EncoderOutput output = with->encode(pixels, pooled);
  // The reference: post_layernorm, then the probe attends over all tokens (one query, 4 heads).
  auto get = [&](const std::string& name) { return weights.at("vision_model." + name); };
  auto hidden = layer_norm(reference_hidden_states(weights, false, pixels, 4, 3, 14, 1e-6).back(),
                           get("post_layernorm.weight"), get("post_layernorm.bias"), 1e-6);
  auto in_w = get("head.attention.in_proj_weight");
  auto in_b = get("head.attention.in_proj_bias");
  auto q = torch::matmul(get("head.probe"), in_w.narrow(0, 0, 16).t()) + in_b.narrow(0, 0, 16);
  auto k = torch::matmul(hidden, in_w.narrow(0, 16, 16).t()) + in_b.narrow(0, 16, 16);
  auto v = torch::matmul(hidden, in_w.narrow(0, 32, 16).t()) + in_b.narrow(0, 32, 16);
  auto heads = [](const torch::Tensor& t) { return t.reshape({t.size(0), t.size(1), 4, 4}).transpose(1, 2); };
  auto qh = heads(q.expand({2, 1, 16}));
  auto context = torch::matmul(torch::softmax(torch::matmul(qh, heads(k).transpose(-1, -2)) / 2.0, -1), heads(v))
                     .transpose(1, 2)
                     .reshape({2, 1, 16});
  auto attended = torch::matmul(context, get("head.attention.out_proj.weight").t()) + get("head.attention.out_proj.bias");
  auto mlp = torch::matmul(layer_norm(attended, get("head.layernorm.weight"), get("head.layernorm.bias"), 1e-6),
                           get("head.mlp.fc1.weight").t()) + get("head.mlp.fc1.bias");
  mlp = 0.5 * mlp * (1 + torch::tanh(std::sqrt(2.0 / M_PI) * (mlp + 0.044715 * mlp.pow(3))));
  mlp = torch::matmul(mlp, get("head.mlp.fc2.weight").t()) + get("head.mlp.fc2.bias");
  EXPECT_TRUE(torch::allclose(output.pooled, (attended + mlp).select(1, 0), 1e-4, 1e-5));
  EXPECT_EQ(output.features.size(1), 9);  // the selected layer's features still come with it
}

TEST_F(EncoderPluginsTest, ClipPoolsThePostLayerNormClsToken) {
  Weights weights = random_weights(true, 16, 24, 3, 28, 14);
  write_checkpoint(folder_, kClipConfig, weights);
  torch::manual_seed(4);
  const auto pixels = torch::randn({2, 3, 28, 28});
  EncodeOptions options;
  options.return_pooled = true;
  options.return_hidden_states = true;
  const EncoderOutput output = make_encoder("clip_vit", folder_, -2)->encode(pixels, options);
  const auto expected = reference_hidden_states(weights, true, pixels, 2, 3, 14, 1e-5);
  EXPECT_EQ(output.hidden_states.size(), 4u);  // pooling ran every layer
  EXPECT_TRUE(torch::allclose(output.pooled,
                              layer_norm(expected[3].select(1, 0), weights.at("vision_model.post_layernorm.weight"),
                                         weights.at("vision_model.post_layernorm.bias"), 1e-5),
                              1e-4, 1e-5));
  EXPECT_TRUE(torch::allclose(output.features, expected[2].narrow(1, 1, 4), 1e-4, 1e-5));
}

TEST_F(EncoderPluginsTest, RandomPresetsNeedNoCheckpoint) {
  auto encoder = test::make_encoder("clip_vit", toml::table{{"preset", "tiny"}});
  EXPECT_EQ(encoder->num_tokens(), 4);  // tiny: 28/14
  EXPECT_EQ(encoder->encode(torch::zeros({1, 3, 28, 28}), {}).features.sizes(), (std::vector<std::int64_t>{1, 4, 32}));
}

}  // namespace
}  // namespace vdep
