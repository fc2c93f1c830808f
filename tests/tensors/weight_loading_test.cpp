// Loading a checkpoint with Hugging Face key names into a small module tree.
#include <gtest/gtest.h>

#include <sstream>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include <vdep/weight_loading.h>

#include "safetensors_test_support.h"
#include "support/text_file.h"

namespace vdep {
namespace {

// encoder.proj (Linear 3 -> 2), encoder.norm (LayerNorm 2), encoder.out (Linear 2 -> 1 without
// bias, as in LLaMA) and a buffer encoder.scale.
struct EncoderImpl : torch::nn::Module {
  EncoderImpl() {
    proj = register_module("proj", torch::nn::Linear(3, 2));
    norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({2})));
    out = register_module("out", torch::nn::Linear(torch::nn::LinearOptions(2, 1).bias(false)));
    scale = register_buffer("scale", torch::zeros({2}));
  }
  torch::nn::Linear proj{nullptr};
  torch::nn::LayerNorm norm{nullptr};
  torch::nn::Linear out{nullptr};
  torch::Tensor scale;
};
TORCH_MODULE(Encoder);

struct TowerImpl : torch::nn::Module {
  TowerImpl() { encoder = register_module("encoder", Encoder()); }
  Encoder encoder{nullptr};
};
TORCH_MODULE(Tower);

// The full model: HF's names start with "vision_model.".
struct ModelImpl : torch::nn::Module {
  ModelImpl() { vision_model = register_module("vision_model", Tower()); }
  Tower vision_model{nullptr};
};
TORCH_MODULE(Model);

// Replaces the default logger while alive, keeping what is logged.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(text_);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  std::string text() const { return text_.str(); }

 private:
  std::shared_ptr<spdlog::logger> previous_;
  std::ostringstream text_;
};

class WeightLoadingTest : public test::TensorFileTest {
 protected:
  // Values exact in bfloat16, so that they survive the round trip through the BF16 file.
  std::map<std::string, at::Tensor> checkpoint_values() const {
    return {
        {"vision_model.encoder.proj.weight", torch::arange(6, torch::kFloat).reshape({2, 3}) * 0.25},
        {"vision_model.encoder.proj.bias", torch::tensor({-1.0f, 1.5f})},
        {"vision_model.encoder.norm.weight", torch::tensor({2.0f, 3.0f})},
        {"vision_model.encoder.norm.bias", torch::tensor({0.5f, -0.5f})},
        {"vision_model.encoder.out.weight", torch::tensor({-4.0f, 0.125f}).reshape({1, 2})},
        {"vision_model.encoder.scale", torch::tensor({7.0f, 8.0f})},
        {"text_model.embeddings.weight", torch::ones({4, 2})},
        {"logit_scale", torch::tensor(2.5f)},
    };
  }

  std::filesystem::path write_checkpoint(std::map<std::string, at::Tensor> values) const {
    std::vector<std::pair<std::string, at::Tensor>> tensors;
    for (auto& [key, value] : values) tensors.emplace_back(key, value.to(torch::kBFloat16));
    const auto file = folder_ / "model.safetensors";
    write_safetensors(file, tensors);
    return file;
  }

  static void expect_unchanged(Model& model) {
    EXPECT_TRUE(torch::equal(model->vision_model->encoder->scale, torch::zeros({2})));
    EXPECT_TRUE(torch::equal(model->vision_model->encoder->norm->bias, torch::zeros({2})));
  }
};

TEST_F(WeightLoadingTest, CopiesEveryParameterAndBufferConvertingBf16ToFloat) {
  const auto file = write_checkpoint(checkpoint_values());
  Model model;
  LogCapture log;
  const LoadReport report = load_weights(*model, SafetensorsReader::open(file), {"", {"text_model."}, false});

  const auto expected = checkpoint_values();
  for (const auto& parameter : model->named_parameters()) {
    const std::string& key = parameter.key();
    EXPECT_EQ(parameter->scalar_type(), torch::kFloat) << key;
    EXPECT_TRUE(parameter->requires_grad()) << key;
    EXPECT_TRUE(torch::equal(*parameter, expected.at(key))) << key;
  }
  EXPECT_TRUE(torch::equal(model->vision_model->encoder->scale, expected.at("vision_model.encoder.scale")));
  EXPECT_EQ(report.loaded,
            (std::vector<std::string>{"vision_model.encoder.norm.bias", "vision_model.encoder.norm.weight",
                                      "vision_model.encoder.out.weight", "vision_model.encoder.proj.bias",
                                      "vision_model.encoder.proj.weight", "vision_model.encoder.scale"}));
  EXPECT_TRUE(report.missing.empty());
  EXPECT_EQ(report.unexpected, std::vector<std::string>{"logit_scale"});
  EXPECT_CONTAINS(log.text(), "[warning]");
  EXPECT_CONTAINS(log.text(), file.string());
  EXPECT_CONTAINS(log.text(), "1 checkpoint tensor not used by the module: logit_scale");
}

TEST_F(WeightLoadingTest, IgnoredPrefixesAreNeitherReportedNorLogged) {
  const auto file = write_checkpoint(checkpoint_values());
  Model model;
  LogCapture log;
  const LoadReport report =
      load_weights(*model, SafetensorsReader::open(file), {"", {"text_model.", "logit_scale"}, false});
  EXPECT_EQ(report.loaded.size(), 6u);
  EXPECT_TRUE(report.unexpected.empty());
  EXPECT_EQ(log.text(), "");
}

TEST_F(WeightLoadingTest, PrefixFormsTheCheckpointKeys) {
  const auto file = write_checkpoint(checkpoint_values());
  Tower tower;
  const LoadReport report = load_weights(*tower, SafetensorsReader::open(file),
                                         {"vision_model.", {"text_model.", "logit_scale"}, false});
  EXPECT_EQ(report.loaded.size(), 6u);
  EXPECT_EQ(report.loaded.front(), "vision_model.encoder.norm.bias");
  EXPECT_TRUE(torch::equal(tower->encoder->norm->weight, torch::tensor({2.0f, 3.0f})));
}

TEST_F(WeightLoadingTest, MissingKeysAreAnErrorListingThemAndLeaveTheModuleUnchanged) {
  auto values = checkpoint_values();
  values.erase("vision_model.encoder.norm.bias");
  const auto file = write_checkpoint(values);
  Model model;
  try {
    load_weights(*model, SafetensorsReader::open(file), {"", {"text_model.", "logit_scale"}, false});
    FAIL() << "expected an error";
  } catch (const std::runtime_error& error) {
    EXPECT_CONTAINS(error.what(), file.string());
    EXPECT_CONTAINS(error.what(),
                    "1 module tensor missing from the checkpoint: vision_model.encoder.norm.bias");
  }
  expect_unchanged(model);
}

TEST_F(WeightLoadingTest, AllowedMissingKeysAreReportedAndTheRestLoaded) {
  auto values = checkpoint_values();
  values.erase("vision_model.encoder.norm.bias");
  const auto file = write_checkpoint(values);
  Model model;
  const LoadReport report =
      load_weights(*model, SafetensorsReader::open(file), {"", {"text_model.", "logit_scale"}, true});
  EXPECT_EQ(report.missing, std::vector<std::string>{"vision_model.encoder.norm.bias"});
  EXPECT_EQ(report.loaded.size(), 5u);
  EXPECT_TRUE(torch::equal(model->vision_model->encoder->scale, torch::tensor({7.0f, 8.0f})));
}

TEST_F(WeightLoadingTest, ManyMissingKeysAreListedUpToTwenty) {
  write_safetensors(folder_ / "empty.safetensors", {});
  struct WideImpl : torch::nn::Module {
    WideImpl() {
      for (int i = 0; i < 25; ++i) register_parameter("p" + std::to_string(100 + i), torch::zeros({1}));
    }
  };
  WideImpl wide;
  try {
    load_weights(wide, SafetensorsReader::open(folder_ / "empty.safetensors"));
    FAIL() << "expected an error";
  } catch (const std::runtime_error& error) {
    EXPECT_CONTAINS(error.what(), "25 module tensors missing from the checkpoint: p100, p101,");
    EXPECT_CONTAINS(error.what(), "p119 ... and 5 more");
    EXPECT_EQ(std::string(error.what()).find("p120"), std::string::npos) << error.what();
  }
}

TEST_F(WeightLoadingTest, ShapeMismatchNamesTheKeyBothShapesAndTheFile) {
  auto values = checkpoint_values();
  values["vision_model.encoder.proj.weight"] = torch::zeros({3, 3});
  const auto file = write_checkpoint(values);
  Model model;
  try {
    load_weights(*model, SafetensorsReader::open(file), {"", {"text_model.", "logit_scale"}, false});
    FAIL() << "expected an error";
  } catch (const std::runtime_error& error) {
    EXPECT_CONTAINS(error.what(), "vision_model.encoder.proj.weight is [3, 3] in " + file.string() +
                                      " but [2, 3] in the module");
  }
  expect_unchanged(model);
}

}  // namespace
}  // namespace vdep
