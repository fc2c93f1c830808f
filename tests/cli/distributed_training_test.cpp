// Multi-process training through `vdep-run --nproc-per-node 2` (Gloo on CPU): the same global
// batch on two processes trains exactly as on one, for DDP and ZeRO-2; a ZeRO-2 run resumes from
// its sharded checkpoint; a killed worker ends the run promptly with its last checkpoint intact.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ATen/ATen.h>
#include <vdep/safetensors.h>

#include "support/process.h"
#include "support/text_file.h"
#include "train/training_checkpoint.h"

extern char** environ;

namespace vdep::test {
namespace {

const std::string kRun = VDEP_RUN_BINARY;
const std::filesystem::path kExperiment = std::filesystem::path(VDEP_FIXTURES_DIR) / "cli" / "tiny_training.toml";

class DistributedTrainingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    scratch_ = std::filesystem::temp_directory_path() /
               ("vdep-dist-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(scratch_);
  }
  void TearDown() override { std::filesystem::remove_all(scratch_); }

  // The tiny two-stage experiment into scratch/<output>, on generated shapes shared by every run.
  std::string arguments(const std::string& output, const std::string& extra) const {
    const std::string shapes = shell_quote((scratch_ / "shapes").string());
    return shell_quote(kExperiment.string()) + " --set stage.pretrain.datasets.shapes.folder=" + shapes +
           " --set stage.sft.datasets.shapes.folder=" + shapes +
           " --set evaluation.questions=" + shell_quote((scratch_ / "shapes" / "eval.json").string()) +
           " --set output_dir=" + shell_quote((scratch_ / output).string()) + " " + extra;
  }
  ProcessResult vdep_run(const std::string& output, const std::string& extra) const {
    return run_process("env -u VDEP_PLUGIN_PATH -u RANK -u WORLD_SIZE " + shell_quote(kRun) + " " +
                       arguments(output, extra));
  }
  std::filesystem::path run_folder(const std::string& output) const { return scratch_ / output / "cli_tiny"; }

  std::filesystem::path scratch_;
};

std::vector<std::pair<std::string, double>> losses(const std::filesystem::path& run) {
  std::vector<std::pair<std::string, double>> found;
  std::istringstream lines(read_text_file(run / "metrics.jsonl"));
  for (std::string line; std::getline(lines, line);) {
    const nlohmann::json step = nlohmann::json::parse(line);
    found.emplace_back(step["stage"].get<std::string>() + "-" + std::to_string(step["step"].get<int>()),
                       step["loss"].get<double>());
  }
  return found;
}

void expect_same_losses(const std::filesystem::path& expected_run, const std::filesystem::path& run,
                        std::size_t skipped = 0) {
  const auto expected = losses(expected_run);
  const auto found = losses(run);
  ASSERT_EQ(found.size() + skipped, expected.size());
  for (std::size_t i = 0; i < found.size(); ++i) {
    EXPECT_EQ(found[i].first, expected[i + skipped].first);
    EXPECT_NEAR(found[i].second, expected[i + skipped].second, 1e-5 * std::abs(expected[i + skipped].second))
        << found[i].first;
  }
}

void expect_same_weights(const std::filesystem::path& expected_checkpoint, const std::filesystem::path& checkpoint) {
  const SafetensorsReader expected = SafetensorsReader::open(expected_checkpoint / "model.safetensors");
  const SafetensorsReader found = SafetensorsReader::open(checkpoint / "model.safetensors");
  ASSERT_EQ(found.names(), expected.names());
  for (const std::string& name : expected.names()) {
    EXPECT_TRUE(at::allclose(found.get(name), expected.get(name), 1e-5, 1e-6)) << name;
  }
}

TEST_F(DistributedTrainingTest, DdpOnTwoProcessesTrainsAsOneProcess) {
  const ProcessResult one = vdep_run("one", "");
  ASSERT_EQ(one.exit_code, 0) << one.err;
  const ProcessResult two = vdep_run("two", "--nproc-per-node 2");
  ASSERT_EQ(two.exit_code, 0) << two.err;
  EXPECT_CONTAINS(two.err, "[rank 0] ");
  EXPECT_CONTAINS(two.err, "global batch 4 = 2 x 1 x 2 process(es)");
  expect_same_losses(run_folder("one"), run_folder("two"));
  expect_same_weights(run_folder("one") / "checkpoints" / "sft-step-2", run_folder("two") / "checkpoints" / "sft-step-2");
  // Rank 0 alone writes: one evaluation, one log.
  EXPECT_TRUE(std::filesystem::exists(run_folder("two") / "eval.json"));
  EXPECT_EQ(read_text_file(run_folder("two") / "run.log").find("[rank 1]"), std::string::npos);
}

TEST_F(DistributedTrainingTest, Zero2OnTwoProcessesTrainsAsOneProcessAndResumesFromItsShards) {
  const ProcessResult one = vdep_run("one", "");
  ASSERT_EQ(one.exit_code, 0) << one.err;
  const std::string zero2 = "--nproc-per-node 2 --set distributed.strategy=zero2 --set stage.pretrain.save_every=2";
  const ProcessResult two = vdep_run("two", zero2);
  ASSERT_EQ(two.exit_code, 0) << two.err;
  expect_same_losses(run_folder("one"), run_folder("two"));
  const auto checkpoints = run_folder("two") / "checkpoints";
  expect_same_weights(run_folder("one") / "checkpoints" / "sft-step-2", checkpoints / "sft-step-2");
  // Each rank's half of the AdamW state, in the checkpoint folder.
  const TrainingCheckpoint checkpoint = read_training_checkpoint(checkpoints / "pretrain-step-2");
  EXPECT_TRUE(std::filesystem::exists(checkpoints / "pretrain-step-2" / "optimizer.rank-1.safetensors"));
  const auto world = std::find_if(checkpoint.optimizer_state.begin(), checkpoint.optimizer_state.end(),
                                  [](const auto& tensor) { return tensor.first == "zero2.world_size"; });
  ASSERT_NE(world, checkpoint.optimizer_state.end());
  EXPECT_EQ(world->second.item<std::int64_t>(), 2);

  // Resumed on two processes from pretrain-step-2 alone: the remaining steps as uninterrupted.
  const auto resumed_checkpoints = run_folder("resumed") / "checkpoints";
  std::filesystem::create_directories(resumed_checkpoints);
  std::filesystem::copy(checkpoints / "pretrain-step-2", resumed_checkpoints / "pretrain-step-2");
  const ProcessResult resumed = vdep_run("resumed", zero2 + " --resume");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_CONTAINS(resumed.err, "stage 'pretrain' resumes after step 2");
  expect_same_losses(run_folder("two"), run_folder("resumed"), 2);
  expect_same_weights(checkpoints / "sft-step-2", resumed_checkpoints / "sft-step-2");

  // One process cannot take up two processes' shards: it says so rather than failing on a key.
  const auto single_checkpoints = run_folder("single") / "checkpoints";
  std::filesystem::create_directories(single_checkpoints);
  std::filesystem::copy(checkpoints / "pretrain-step-2", single_checkpoints / "pretrain-step-2");
  const ProcessResult single = vdep_run("single", "--resume");
  EXPECT_EQ(single.exit_code, 1);
  EXPECT_CONTAINS(single.err, "split over 2 processes");
  // Its weights alone start a new run on any number of processes.
  const ProcessResult from_weights =
      vdep_run("from_weights", "--set stage.sft.init_from=" + shell_quote((checkpoints / "pretrain-step-4").string()));
  EXPECT_EQ(from_weights.exit_code, 0) << from_weights.err;
  EXPECT_CONTAINS(from_weights.err, "stage 'sft' starts from");
}

// The workers the launcher started: its child processes.
std::vector<pid_t> children_of(pid_t parent) {
  std::ifstream file("/proc/" + std::to_string(parent) + "/task/" + std::to_string(parent) + "/children");
  std::vector<pid_t> children;
  for (pid_t child = 0; file >> child;) children.push_back(child);
  return children;
}

TEST_F(DistributedTrainingTest, AKilledWorkerEndsTheRunPromptlyAndLeavesTheLastCheckpointIntact) {
  // Long enough to be killed mid-run (800 steps): many epochs, a checkpoint every 2 steps.
  const std::string command =
      "exec env -u VDEP_PLUGIN_PATH -u RANK -u WORLD_SIZE " + shell_quote(kRun) + " " +
      arguments("killed", "--nproc-per-node 2 --set stage.pretrain.epochs=200 --set stage.pretrain.save_every=2 "
                          "--set stage.pretrain.keep_last=2 --set distributed.timeout_s=600") +
      " > " + shell_quote((scratch_ / "out.txt").string()) + " 2> " + shell_quote((scratch_ / "err.txt").string());
  std::vector<std::string> argv_text{"/bin/sh", "-c", command};
  std::vector<char*> argv;
  for (std::string& text : argv_text) argv.push_back(text.data());
  argv.push_back(nullptr);
  pid_t launcher = 0;
  ASSERT_EQ(posix_spawn(&launcher, "/bin/sh", nullptr, nullptr, argv.data(), environ), 0);

  const auto checkpoints = run_folder("killed") / "checkpoints";
  // Some checkpoint at step 4 or later (keep_last prunes the early ones as the run goes on).
  const auto past_step_four = [&] {
    std::error_code error;
    for (std::filesystem::directory_iterator entry(checkpoints, error), end; !error && entry != end;
         entry.increment(error)) {
      const std::string name = entry->path().filename().string();
      if (name.rfind("pretrain-step-", 0) == 0 && std::stoi(name.substr(14)) >= 4) return true;
    }
    return false;
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(3);
  while (!past_step_four() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const std::vector<pid_t> workers = children_of(launcher);
  ASSERT_EQ(workers.size(), 2u) << read_text_file(scratch_ / "err.txt");
  ASSERT_EQ(::kill(workers[1], SIGKILL), 0);
  const auto killed_at = std::chrono::steady_clock::now();

  int status = 0;
  ASSERT_EQ(::waitpid(launcher, &status, 0), launcher);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - killed_at).count();
  const std::string err = read_text_file(scratch_ / "err.txt");
  ASSERT_TRUE(WIFEXITED(status)) << err;
  EXPECT_NE(WEXITSTATUS(status), 0) << err;
  // Far below the 600 s collective timeout: the launcher stops the surviving worker itself.
  EXPECT_LT(seconds, 30.0) << err;
  EXPECT_CONTAINS(err, "was killed by signal 9");
  for (const pid_t worker : workers) EXPECT_NE(::kill(worker, 0), 0) << "worker " << worker << " still runs";

  const std::optional<std::filesystem::path> latest = latest_training_checkpoint(checkpoints);
  ASSERT_TRUE(latest.has_value()) << err;
  const TrainingCheckpoint checkpoint = read_training_checkpoint(*latest);
  EXPECT_EQ(checkpoint.stage, "pretrain");
  EXPECT_GE(checkpoint.optimizer_step, 4);
  EXPECT_EQ(checkpoint.optimizer_step % 2, 0);
}

}  // namespace
}  // namespace vdep::test
