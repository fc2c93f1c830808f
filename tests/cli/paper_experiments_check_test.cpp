// `vdep-run check` on the paper's experiment files (experiments/*.toml), against a stand-in for the
// $VDEP_MODELS and $VDEP_DATA folders: tiny files in the real formats under the real names.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <vdep/safetensors.h>

#include "llms/llm_test_support.h"
#include "support/process.h"
#include "support/temporary_folder.h"
#include "support/text_file.h"

namespace vdep::test {
namespace {

namespace fs = std::filesystem;

const fs::path kExperiments = fs::path(VDEP_SOURCE_DIR) / "experiments";
const fs::path kFixtures = VDEP_FIXTURES_DIR;
const fs::path kImage = kFixtures / "image" / "decode" / "grey_8x6.png";

// "FILE:LINE:" of the first line of `file` that contains `text`: where check's diagnostics point.
std::string location_of(const fs::path& file, const std::string& text) {
  std::ifstream in(file);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.find(text) != std::string::npos) return file.string() + ":" + std::to_string(number) + ":";
  }
  ADD_FAILURE() << "'" << text << "' not in " << file;
  return "";
}

void write_json(const fs::path& file, const nlohmann::json& json) {
  fs::create_directories(file.parent_path());
  std::ofstream(file) << json.dump(1);
}

// A vision tower folder as the HF hub has it: config.json, preprocessor_config.json, model.safetensors.
void write_vision_tower(const fs::path& folder, const std::string& model_type) {
  write_json(folder / "config.json", {{"model_type", model_type}, {"hidden_size", 8}, {"image_size", 28},
                                      {"patch_size", 14}, {"num_hidden_layers", 1}});
  write_json(folder / "preprocessor_config.json", {{"crop_size", 28}, {"size", 28}});
  write_safetensors(folder / "model.safetensors", {{"vision_model.post_layernorm.weight", torch::ones({8})}});
}

// One record of LLaVA's annotation files; no image for a text-only one.
nlohmann::json record(const std::string& id, const std::string& image) {
  nlohmann::json conversation = {{{"from", "human"}, {"value", image.empty() ? "Hi" : "<image>\nWhat is this?"}},
                                 {{"from", "gpt"}, {"value", "A grey square."}}};
  nlohmann::json result = {{"id", id}, {"conversations", conversation}};
  if (!image.empty()) result["image"] = image;
  return result;
}

class PaperExperimentCheckTest : public TemporaryFolderTest {
 protected:
  void SetUp() override {
    TemporaryFolderTest::SetUp();
    models_ = folder_ / "models";
    data_ = folder_ / "data";

    write_vision_tower(models_ / "clip-vit-large-patch14-336", "clip_vision_model");
    write_vision_tower(models_ / "siglip-so400m-patch14-384", "siglip_vision_model");
    // Vicuna comes sharded from the hub; small shards make several here too.
    const fs::path vicuna = models_ / "vicuna-7b-v1.5";
    write_sharded_checkpoint(vicuna, config_json(tiny_llama()), random_weights(tiny_llama(), 1), 8192);
    fs::copy_file(kFixtures / "chat" / "llama_sp" / "tokenizer.model", vicuna / "tokenizer.model");
    const fs::path phi = models_ / "phi-2";
    write_checkpoint(phi, config_json(tiny_phi()), random_weights(tiny_phi(), 2));
    fs::copy_file(kFixtures / "tokenizers" / "gpt2" / "vocab.json", phi / "vocab.json");
    fs::copy_file(kFixtures / "tokenizers" / "gpt2" / "merges.txt", phi / "merges.txt");

    // LLaVA's playground/data layout.
    write_json(data_ / "LLaVA-Pretrain" / "blip_laion_cc_sbu_558k.json",
               {record("004539375", "00453/004539375.jpg"), record("002239345", "00223/002239345.jpg")});
    write_json(data_ / "llava_v1_5_mix665k.json",
               {record("000000033471", "coco/train2017/000000033471.jpg"), record("2354786", "gqa/images/2354786.jpg"),
                record("i6IyJda_0", "")});
    for (const std::string image : {"LLaVA-Pretrain/images/00453/004539375.jpg", "LLaVA-Pretrain/images/00223/002239345.jpg",
                                    "coco/train2017/000000033471.jpg", "gqa/images/2354786.jpg"}) {
      fs::create_directories((data_ / image).parent_path());
      fs::copy_file(kImage, data_ / image);  // a PNG under a .jpg name, as decoders sniff the bytes
    }
  }

  ProcessResult check(const std::string& experiment) const {
    return run_process("env -u VDEP_PLUGIN_PATH VDEP_MODELS=" + shell_quote(models_.string()) +
                       " VDEP_DATA=" + shell_quote(data_.string()) + " " + shell_quote(VDEP_RUN_BINARY) + " check " +
                       shell_quote((kExperiments / experiment).string()));
  }

  std::vector<fs::path> shards_of(const fs::path& folder) const {
    std::vector<fs::path> shards;
    for (const auto& entry : fs::directory_iterator(folder)) {
      if (entry.path().filename().string().rfind("model-", 0) == 0) shards.push_back(entry.path());
    }
    return shards;
  }

  fs::path models_;
  fs::path data_;
};

TEST_F(PaperExperimentCheckTest, BothExperimentsPassWhenEveryFileIsThere) {
  ASSERT_GE(shards_of(models_ / "vicuna-7b-v1.5").size(), 2u);
  const auto llava = check("llava7b_alpha1e-3.toml");
  EXPECT_EQ(llava.exit_code, 0) << llava.err;
  EXPECT_CONTAINS(llava.out, "ok (experiment 'llava7b_alpha1e-3', 2 stage(s)");
  const auto tiny = check("tinyllava3b.toml");
  EXPECT_EQ(tiny.exit_code, 0) << tiny.err;
  EXPECT_CONTAINS(tiny.out, "ok (experiment 'tinyllava3b', 2 stage(s)");
}

TEST_F(PaperExperimentCheckTest, EveryMissingFileIsListedAtTheKeyThatNamesIt) {
  const fs::path experiment = kExperiments / "llava7b_alpha1e-3.toml";
  const fs::path vicuna = models_ / "vicuna-7b-v1.5";
  const fs::path shard = shards_of(vicuna).back();
  fs::remove_all(models_ / "clip-vit-large-patch14-336");  // a whole download missing
  fs::remove(shard);
  fs::remove(vicuna / "tokenizer.model");
  fs::remove_all(data_ / "gqa");                                  // an image folder of mix-665K
  fs::remove(data_ / "LLaVA-Pretrain/images/00223/002239345.jpg");  // one image of CC-558K

  const auto result = check("llava7b_alpha1e-3.toml");
  EXPECT_EQ(result.exit_code, 2);
  const std::string encoder = location_of(experiment, "clip-vit-large-patch14-336\"");
  const std::string llm = location_of(experiment, "vicuna-7b-v1.5\"");
  const std::string pretrain_images = location_of(experiment, "LLaVA-Pretrain/images\"");
  const std::string sft_images = location_of(experiment, "image_folder = \"${env.VDEP_DATA}\"");
  EXPECT_CONTAINS(result.err, encoder);
  EXPECT_CONTAINS(result.err, "encoder.weights: file not found: " + (models_ / "clip-vit-large-patch14-336").string());
  EXPECT_CONTAINS(result.err, llm);
  EXPECT_CONTAINS(result.err, "llm.weights: file not found: " + shard.string());
  EXPECT_CONTAINS(result.err, "llm.weights: file not found: " + (vicuna / "tokenizer.model").string());
  EXPECT_CONTAINS(result.err, pretrain_images);
  EXPECT_CONTAINS(result.err, "stage[0].datasets[0].image_folder: file not found: " +
                                  (data_ / "LLaVA-Pretrain/images/00223/002239345.jpg").string());
  EXPECT_CONTAINS(result.err, sft_images);
  EXPECT_CONTAINS(result.err, "stage[1].datasets[0].image_folder: folder not found: " + (data_ / "gqa/images").string());
  // Five problems, one line each, and nothing else.
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 5) << result.err;
}

TEST_F(PaperExperimentCheckTest, ABpeTokenizerNeedsItsMerges) {
  fs::remove(models_ / "phi-2" / "merges.txt");
  fs::remove(models_ / "phi-2" / "config.json");
  const auto result = check("tinyllava3b.toml");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_CONTAINS(result.err, "llm.weights: file not found: " + (models_ / "phi-2" / "config.json").string());
  EXPECT_CONTAINS(result.err, "llm.weights: file not found: " + (models_ / "phi-2" / "merges.txt").string());
}

}  // namespace
}  // namespace vdep::test
