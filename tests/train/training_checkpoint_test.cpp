// Training checkpoints: what the folder holds, reading it back, resuming from it, atomic writes,
// pruning and finding the latest.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>

#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>
#include <vdep/safetensors.h>

#include "support/temporary_folder.h"
#include "train/adamw_optimizer.h"
#include "train/training_checkpoint.h"

namespace vdep {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class TrainingCheckpointTest : public test::TemporaryFolderTest {
 protected:
  static TrainingCheckpoint checkpoint(const std::string& stage, std::int64_t stage_index, std::int64_t step) {
    TrainingCheckpoint checkpoint;
    checkpoint.stage = stage;
    checkpoint.stage_index = stage_index;
    checkpoint.optimizer_step = step;
    checkpoint.epoch = 1;
    checkpoint.micro_batches_in_epoch = 24;
    checkpoint.schedule_step = step + 3;
    checkpoint.metrics = {{"loss", 1.5}, {"tokens_seen", 4096}};
    checkpoint.weights = {{"model.mm_projector.0.weight", torch::arange(6, torch::kFloat).view({2, 3})},
                          {"model.mm_projector.0.bias", torch::tensor({0.5, -0.5}, torch::kBFloat16)}};
    checkpoint.optimizer_state = {{"model.mm_projector.0.weight.step", torch::scalar_tensor(step, torch::kLong)}};
    checkpoint.cpu_generator_state = at::detail::getDefaultCPUGenerator().get_state();
    checkpoint.other_random_states = {{"data_loader.generator", torch::tensor({1, 2, 3}, torch::kUInt8)}};
    checkpoint.config_toml = "[model]\nllm = \"llama\"\n";
    return checkpoint;
  }

  std::set<std::string> entries() const {
    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator(folder_)) names.insert(entry.path().filename().string());
    return names;
  }

  template <typename Function>
  static std::string error_of(Function&& function) {
    try {
      function();
    } catch (const std::exception& error) {
      return error.what();
    }
    ADD_FAILURE() << "no error";
    return {};
  }
};

TEST_F(TrainingCheckpointTest, HoldsFiveFilesThatReadBackAsWritten) {
  const TrainingCheckpoint written = checkpoint("pretrain", 0, 100);
  const fs::path folder = write_training_checkpoint(folder_, written, 0);
  EXPECT_EQ(folder, folder_ / "pretrain-step-100");
  EXPECT_EQ(entries(), std::set<std::string>{"pretrain-step-100"});
  std::set<std::string> files;
  for (const auto& entry : fs::directory_iterator(folder)) files.insert(entry.path().filename().string());
  EXPECT_EQ(files, (std::set<std::string>{"model.safetensors", "optimizer.safetensors", "rng.safetensors",
                                          "trainer_state.json", "config.toml"}));

  // The weights file is a plain HF safetensors file under LLaVA's names.
  const auto model = SafetensorsReader::open(folder / "model.safetensors");
  EXPECT_EQ(model.names(), (std::vector<std::string>{"model.mm_projector.0.bias", "model.mm_projector.0.weight"}));
  const json expected_state = {{"stage", "pretrain"}, {"stage_index", 0}, {"optimizer_step", 100}, {"epoch", 1},
                               {"micro_batches_in_epoch", 24}, {"schedule_step", 103},
                               {"metrics", {{"loss", 1.5}, {"tokens_seen", 4096}}}};
  std::ifstream state_file(folder / "trainer_state.json");
  EXPECT_EQ(json::parse(state_file), expected_state);

  const TrainingCheckpoint read = read_training_checkpoint(folder);
  EXPECT_EQ(read.stage, "pretrain");
  EXPECT_EQ(read.stage_index, 0);
  EXPECT_EQ(read.optimizer_step, 100);
  EXPECT_EQ(read.epoch, 1);
  EXPECT_EQ(read.micro_batches_in_epoch, 24);
  EXPECT_EQ(read.schedule_step, 103);
  EXPECT_EQ(read.metrics, expected_state["metrics"]);
  EXPECT_EQ(read.config_toml, "[model]\nllm = \"llama\"\n");
  ASSERT_EQ(read.weights.size(), 2u);
  EXPECT_EQ(read.weights[0].first, "model.mm_projector.0.bias");
  EXPECT_TRUE(torch::equal(read.weights[0].second, torch::tensor({0.5, -0.5}, torch::kBFloat16)));
  EXPECT_EQ(read.weights[1].first, "model.mm_projector.0.weight");
  EXPECT_TRUE(torch::equal(read.weights[1].second, torch::arange(6, torch::kFloat).view({2, 3})));
  ASSERT_EQ(read.optimizer_state.size(), 1u);
  EXPECT_EQ(read.optimizer_state[0].second.item<std::int64_t>(), 100);
  EXPECT_TRUE(torch::equal(read.cpu_generator_state, written.cpu_generator_state));
  ASSERT_EQ(read.other_random_states.size(), 1u);
  EXPECT_EQ(read.other_random_states[0].first, "data_loader.generator");
  EXPECT_TRUE(torch::equal(read.other_random_states[0].second, torch::tensor({1, 2, 3}, torch::kUInt8)));
}

TEST_F(TrainingCheckpointTest, RestoredGeneratorRepeatsTheRandomNumbers) {
  torch::manual_seed(11);
  const fs::path folder = write_training_checkpoint(folder_, checkpoint("pretrain", 0, 1), 0);
  const auto drawn_after_saving = torch::randn({4});
  at::Generator generator = at::detail::getDefaultCPUGenerator();  // a handle on the default one
  generator.set_state(read_training_checkpoint(folder).cpu_generator_state);
  EXPECT_TRUE(torch::equal(torch::randn({4}), drawn_after_saving));
}

// A run on a GPU also keeps that GPU's generator; a run on CPU writes, and reads back, none.
TEST_F(TrainingCheckpointTest, KeepsAGpuGeneratorStateOnlyWhenThereIsOne) {
  TrainingCheckpoint on_gpu = checkpoint("pretrain", 0, 1);
  on_gpu.cuda_generator_state = torch::arange(16, torch::kUInt8);  // a CUDA generator's state is CPU bytes
  const TrainingCheckpoint read_on_gpu = read_training_checkpoint(write_training_checkpoint(folder_, on_gpu, 0));
  ASSERT_TRUE(read_on_gpu.cuda_generator_state.defined());
  EXPECT_TRUE(torch::equal(read_on_gpu.cuda_generator_state, on_gpu.cuda_generator_state));
  EXPECT_EQ(read_on_gpu.other_random_states.size(), 1u);

  const fs::path on_cpu = write_training_checkpoint(folder_, checkpoint("pretrain", 0, 2), 0);
  EXPECT_FALSE(SafetensorsReader::open(on_cpu / "rng.safetensors").contains("torch.cuda_generator"));
  EXPECT_FALSE(read_training_checkpoint(on_cpu).cuda_generator_state.defined());
}

TEST_F(TrainingCheckpointTest, OptimizerAndWeightsThroughTheFilesResumeExactly) {
  torch::manual_seed(3);
  const auto initial = torch::randn({2, 3});
  const std::vector<torch::Tensor> gradients{torch::randn({2, 3}), torch::randn({2, 3}), torch::randn({2, 3})};
  const AdamWOptions options{0.9, 0.999, 1e-8, 0.05};
  auto step = [&](AdamWOptimizer& optimizer, std::size_t index) {
    optimizer.parameters()[0].tensor.mutable_grad() = gradients[index];
    optimizer.step(1e-3);
  };

  AdamWOptimizer uninterrupted({{"model.mm_projector.0.weight", initial.clone().requires_grad_(), true}}, options);
  for (std::size_t i = 0; i < 3; ++i) step(uninterrupted, i);

  AdamWOptimizer interrupted({{"model.mm_projector.0.weight", initial.clone().requires_grad_(), true}}, options);
  step(interrupted, 0);
  step(interrupted, 1);
  TrainingCheckpoint saved = checkpoint("pretrain", 0, 2);
  saved.weights = {{"model.mm_projector.0.weight", interrupted.parameters()[0].tensor}};
  saved.optimizer_state = interrupted.state_tensors();
  const TrainingCheckpoint read = read_training_checkpoint(write_training_checkpoint(folder_, saved, 0));

  AdamWOptimizer resumed({{"model.mm_projector.0.weight", torch::zeros({2, 3}).requires_grad_(), true}}, options);
  {
    torch::NoGradGuard no_grad;
    resumed.parameters()[0].tensor.copy_(read.weights.at(0).second);
  }
  resumed.load_state(read.optimizer_state);
  step(resumed, 2);
  EXPECT_TRUE(torch::equal(resumed.parameters()[0].tensor, uninterrupted.parameters()[0].tensor));
}

TEST_F(TrainingCheckpointTest, RefusesToOverwriteACheckpoint) {
  write_training_checkpoint(folder_, checkpoint("pretrain", 0, 100), 0);
  TrainingCheckpoint again = checkpoint("pretrain", 0, 100);
  again.config_toml = "changed";
  EXPECT_NE(error_of([&] { write_training_checkpoint(folder_, again, 0); }).find("pretrain-step-100"),
            std::string::npos);
  EXPECT_EQ(read_training_checkpoint(folder_ / "pretrain-step-100").config_toml, "[model]\nllm = \"llama\"\n");
  EXPECT_EQ(entries(), std::set<std::string>{"pretrain-step-100"});
}

TEST_F(TrainingCheckpointTest, KeepsTheMostRecentOfTheStageAndEveryEarlierStagesResult) {
  fs::create_directory(folder_ / ".finetune-step-7.partial-12");  // a crashed write: not counted, not removed
  write_training_checkpoint(folder_, checkpoint("pretrain", 0, 100), 2);
  write_training_checkpoint(folder_, checkpoint("pretrain", 0, 200), 2);
  EXPECT_EQ(entries(), (std::set<std::string>{".finetune-step-7.partial-12", "pretrain-step-100", "pretrain-step-200"}));
  write_training_checkpoint(folder_, checkpoint("pretrain", 0, 300), 2);
  EXPECT_EQ(entries(), (std::set<std::string>{".finetune-step-7.partial-12", "pretrain-step-200", "pretrain-step-300"}));
  // The fine-tuning stage prunes its own checkpoints only: pre-training's last ones stay.
  for (std::int64_t step : {50, 100, 150}) write_training_checkpoint(folder_, checkpoint("finetune", 1, step), 1);
  EXPECT_EQ(entries(), (std::set<std::string>{".finetune-step-7.partial-12", "pretrain-step-200", "pretrain-step-300",
                                              "finetune-step-150"}));
}

TEST_F(TrainingCheckpointTest, KeepLastZeroKeepsAll) {
  for (std::int64_t step : {1, 2, 3}) write_training_checkpoint(folder_, checkpoint("pretrain", 0, step), 0);
  EXPECT_EQ(entries().size(), 3u);
}

TEST_F(TrainingCheckpointTest, AFailedWriteLeavesNoFolderBehind) {
  // The weights are written before the optimizer state fails.
  TrainingCheckpoint broken = checkpoint("pretrain", 0, 100);
  broken.optimizer_state.emplace_back("model.mm_projector.0.weight.exp_avg", at::Tensor());
  EXPECT_NE(error_of([&] { write_training_checkpoint(folder_, broken, 0); }).find("undefined"), std::string::npos);
  EXPECT_TRUE(entries().empty());

  const fs::path not_a_folder = write("root", "a file where the root should be");
  EXPECT_THROW(write_training_checkpoint(not_a_folder, checkpoint("pretrain", 0, 100), 0), std::runtime_error);
  EXPECT_EQ(entries(), std::set<std::string>{"root"});
}

TEST_F(TrainingCheckpointTest, RejectsStageNamesThatAreNotOneVisibleFolderAndMetricsThatAreNotAnObject) {
  for (const std::string stage : {"", ".hidden", "a/b"}) {
    EXPECT_THROW(write_training_checkpoint(folder_, checkpoint(stage, 0, 1), 0), std::invalid_argument) << stage;
  }
  TrainingCheckpoint listed = checkpoint("pretrain", 0, 1);
  listed.metrics = json::array({1, 2});
  EXPECT_THROW(write_training_checkpoint(folder_, listed, 0), std::invalid_argument);
  EXPECT_TRUE(entries().empty());
}

TEST_F(TrainingCheckpointTest, LatestIgnoresPartialHiddenAndIncompleteFolders) {
  EXPECT_FALSE(latest_training_checkpoint(folder_ / "absent").has_value());
  EXPECT_FALSE(latest_training_checkpoint(folder_).has_value());

  write_training_checkpoint(folder_, checkpoint("pretrain", 0, 900), 0);
  write_training_checkpoint(folder_, checkpoint("finetune", 1, 5), 0);
  // A partial write of a later checkpoint, and a folder that never became one.
  const fs::path partial = write_training_checkpoint(folder_ / "elsewhere", checkpoint("finetune", 1, 99), 0);
  fs::rename(partial, folder_ / ".finetune-step-99.partial-42");
  fs::create_directory(folder_ / "finetune-step-100");
  write("finetune-step-100/model.safetensors", "");
  EXPECT_EQ(latest_training_checkpoint(folder_), folder_ / "finetune-step-5");
}

TEST_F(TrainingCheckpointTest, ReadErrorsNameTheFileAndTheKey) {
  const fs::path folder = write_training_checkpoint(folder_, checkpoint("pretrain", 0, 1), 0);
  const fs::path state_file = folder / "trainer_state.json";

  fs::remove(folder / "optimizer.safetensors");
  EXPECT_NE(error_of([&] { read_training_checkpoint(folder); }).find((folder / "optimizer.safetensors").string()),
            std::string::npos);

  write("pretrain-step-1/trainer_state.json", "{\"stage\": ");
  const std::string malformed = error_of([&] { read_training_checkpoint(folder); });
  EXPECT_NE(malformed.find(state_file.string()), std::string::npos) << malformed;
  EXPECT_NE(malformed.find("malformed"), std::string::npos) << malformed;

  write("pretrain-step-1/trainer_state.json",
        R"({"stage": "pretrain", "stage_index": 0, "optimizer_step": 1, "micro_batches_in_epoch": 0,
            "schedule_step": 1, "metrics": {}})");
  const std::string missing = error_of([&] { read_training_checkpoint(folder); });
  EXPECT_NE(missing.find(state_file.string()), std::string::npos) << missing;
  EXPECT_NE(missing.find("'epoch'"), std::string::npos) << missing;

  fs::remove(state_file);
  EXPECT_NE(error_of([&] { read_training_checkpoint(folder); }).find(state_file.string()), std::string::npos);
}

}  // namespace
}  // namespace vdep
