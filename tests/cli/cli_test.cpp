// vdep-run as a user runs it: exit codes, output and the run folder.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>
#include <toml++/toml.h>
#include <unistd.h>

#include <ATen/ATen.h>
#include <torch/cuda.h>
#include <vdep/safetensors.h>

#include <vdep/chat_template.h>
#include <vdep/version.h>
#include <vdep/tokenizer.h>

#include "llms/llm_test_support.h"
#include "support/process.h"
#include "support/text_file.h"

namespace vdep::test {
namespace {

const std::string kRun = VDEP_RUN_BINARY;
const std::filesystem::path kFixtures = std::filesystem::path(VDEP_FIXTURES_DIR) / "cli";
const std::filesystem::path kTestPlugins = VDEP_TEST_PLUGIN_DIR;

ProcessResult vdep_run(const std::string& arguments, const std::string& environment = "") {
  // A clean plugin path: only what the test names, plus the bundled plugins.
  return run_process("env -u VDEP_PLUGIN_PATH " + environment + " " + shell_quote(kRun) + " " + arguments);
}

std::string fixture(const std::string& name) { return shell_quote((kFixtures / name).string()); }

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    scratch_ = std::filesystem::temp_directory_path() /
               ("vdep-cli-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(scratch_);
  }
  void TearDown() override { std::filesystem::remove_all(scratch_); }
  std::filesystem::path scratch_;
};

TEST_F(CliTest, VersionAndHelpSucceed) {
  const auto version = vdep_run("--version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_CONTAINS(version.out, "vdep 0.1.0 (SDK ABI " + std::to_string(kSdkAbiVersion) + ", LibTorch ");
  const auto help = vdep_run("--help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_CONTAINS(help.out, "vdep-run plugins [NAME] [--json]");
}

TEST_F(CliTest, BadUsageExitsTwo) {
  const auto nothing = vdep_run("");
  EXPECT_EQ(nothing.exit_code, 2);
  EXPECT_CONTAINS(nothing.err, "no experiment file or subcommand given");
  const auto option = vdep_run("plugins --jsn");
  EXPECT_EQ(option.exit_code, 2);
  EXPECT_CONTAINS(option.err, "unknown option '--jsn'; did you mean '--json'?");
  const auto command = vdep_run("plugin");
  EXPECT_EQ(command.exit_code, 2);
  EXPECT_CONTAINS(command.err, "did you mean 'plugins'?");
  const auto level = vdep_run("plugins --log-level loud");
  EXPECT_EQ(level.exit_code, 2);
  EXPECT_CONTAINS(level.err, "--log-level must be one of trace, debug, info, warn, error, off (got 'loud')");
  const auto missing_value = vdep_run("config x.toml --set");
  EXPECT_EQ(missing_value.exit_code, 2);
  EXPECT_CONTAINS(missing_value.err, "--set needs a value");
}

TEST_F(CliTest, PluginsListsTheBundledPluginsAsATable) {
  const auto result = vdep_run("plugins");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_CONTAINS(result.out, "KIND");
  EXPECT_CONTAINS(result.out, "DESCRIPTION");
  EXPECT_CONTAINS(result.out, "objective  lm ");
  EXPECT_CONTAINS(result.out, "vdep_objective_lm.so");
}

TEST_F(CliTest, PluginsJsonIsValidAndCarriesTheSchemas) {
  // Debug logging goes to stderr: stdout stays pure JSON.
  const auto result = vdep_run("plugins --json --log-level debug --plugin-path " +
                               shell_quote((kTestPlugins / "good").string()));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_CONTAINS(result.err, "loaded objective plugin 'lm'");
  const auto plugins = nlohmann::json::parse(result.out);
  ASSERT_TRUE(plugins.is_array());
  const nlohmann::json* lm = nullptr;
  const nlohmann::json* scale = nullptr;
  for (const auto& plugin : plugins) {
    if (plugin["name"] == "lm") lm = &plugin;
    if (plugin["name"] == "test_scale") scale = &plugin;
  }
  ASSERT_NE(lm, nullptr);
  ASSERT_NE(scale, nullptr);
  EXPECT_EQ((*lm)["kind"], "objective");
  EXPECT_EQ((*lm)["params"][0]["name"], "weight");
  EXPECT_EQ((*lm)["params"][0]["type"], "float");
  EXPECT_EQ((*lm)["params"][0]["default"], "1.0");
  EXPECT_EQ((*lm)["params"][0]["min"], 0.0);
  EXPECT_TRUE((*lm)["params"][0]["max"].is_null());
  EXPECT_EQ((*scale)["params"][3]["choices"], nlohmann::json({"sum", "mean"}));
}

TEST_F(CliTest, PluginsNamePrintsTheParameterSchema) {
  const auto result = vdep_run("plugins lm");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_CONTAINS(result.out, "objective plugin 'lm' 1.0.0");
  EXPECT_CONTAINS(result.out, "label_smoothing");
  EXPECT_CONTAINS(result.out, "[0, 0.999]");
  const auto unknown = vdep_run("plugins lmm");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_CONTAINS(unknown.err, "no plugin named 'lmm'; did you mean 'lm'?");
}

TEST_F(CliTest, BrokenPluginLibrariesExitTwoWithTheReason) {
  const auto abi = vdep_run("plugins", "VDEP_PLUGIN_PATH=" + shell_quote((kTestPlugins / "abi_mismatch").string()));
  EXPECT_EQ(abi.exit_code, 2);
  EXPECT_CONTAINS(abi.err, "vdep_test_abi_mismatch.so: plugin built for vdep SDK ABI " + std::to_string(kSdkAbiVersion + 41));
  const auto no_entry = vdep_run("plugins --plugin-path " + shell_quote((kTestPlugins / "no_entry").string()));
  EXPECT_EQ(no_entry.exit_code, 2);
  EXPECT_CONTAINS(no_entry.err, "is not a vdep plugin");
  const auto duplicate = vdep_run("plugins --plugin-path " + shell_quote((kTestPlugins / "good").string()) +
                                  " --plugin-path " + shell_quote((kTestPlugins / "duplicate").string()));
  EXPECT_EQ(duplicate.exit_code, 2);
  EXPECT_CONTAINS(duplicate.err, "two objective plugins are named 'test_scale'");
}

TEST_F(CliTest, CheckAcceptsAValidExperiment) {
  const auto result = vdep_run("check " + fixture("valid.toml"));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_CONTAINS(result.out, "ok (experiment 'cli_valid', 1 stage(s)");
}

TEST_F(CliTest, CheckNamesFileLineAndSuggestedKeyOfAMisspeltKey) {
  const auto result = vdep_run("check " + fixture("misspelt.toml"));
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_CONTAINS(result.err, (kFixtures / "misspelt.toml").string() + ":9:1:");
  EXPECT_CONTAINS(result.err, "stage[0].objectives[0].wieght");
  EXPECT_CONTAINS(result.err, "did you mean 'weight'?");
}

TEST_F(CliTest, CheckOfAMissingFileNamesIt) {
  const auto result = vdep_run("check " + shell_quote((scratch_ / "absent.toml").string()));
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_CONTAINS(result.err, (scratch_ / "absent.toml").string());
}

TEST_F(CliTest, ConfigPrintsTheResolvedExperimentWithOverridesAndDefaults) {
  const auto result = vdep_run("config " + fixture("valid.toml") + " --set stage.pretrain.objectives.lm.weight=0.5 --set seed=11");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_CONTAINS(result.out, "seed = 11");
  EXPECT_CONTAINS(result.out, "weight = 0.5");
  EXPECT_CONTAINS(result.out, "label_smoothing = 0.0");  // the plugin's default, filled in
  const auto bad = vdep_run("config " + fixture("valid.toml") + " --set seed=eleven");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_CONTAINS(bad.err, "--set: error: seed: expected int, got 'eleven'");
}

TEST_F(CliTest, RunTrainsTheStagesAndWritesConfigLogAndMetrics) {
  const std::string shapes = shell_quote((scratch_ / "shapes").string());
  const auto result = vdep_run(fixture("tiny_training.toml") + " --set device=cpu --set output_dir=" +
                               shell_quote(scratch_.string()) +
                               " --set stage.pretrain.datasets.shapes.folder=" + shapes +
                               " --set stage.sft.datasets.shapes.folder=" + shapes + " --set evaluation.questions=" +
                               shell_quote((scratch_ / "shapes" / "eval.json").string()));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto run = scratch_ / "cli_tiny";
  const toml::table config = toml::parse_file((run / "config.toml").string());
  EXPECT_EQ(config["name"].value_or(std::string()), "cli_tiny");
  EXPECT_EQ(config["seed"].value_or(0), 7);
  EXPECT_EQ(config["stage"][0]["objectives"][0]["label_smoothing"].value_or(-1.0), 0.0);  // a default filled in
  const std::string log = read_text_file(run / "run.log");
  EXPECT_CONTAINS(log, "experiment 'cli_tiny'");
  EXPECT_CONTAINS(log, "device cpu");
  EXPECT_CONTAINS(log, "objective 'vdep' 1.0.0");
  // 8 scenes, every one in both modes: 16 samples in steps of 4.
  EXPECT_CONTAINS(log, "16 items: 8 LLaVA-mode + 8 VDEP-mode");
  EXPECT_CONTAINS(log, "stage 'pretrain': 4 optimizer steps");
  EXPECT_CONTAINS(log, "stage 'sft': 2 optimizer steps");
  EXPECT_CONTAINS(result.err, "pretrain step 4/4 loss ");  // the console shows the progress lines

  std::vector<nlohmann::json> metrics;
  std::istringstream lines(read_text_file(run / "metrics.jsonl"));
  for (std::string line; std::getline(lines, line);) metrics.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(metrics.size(), 6u);
  EXPECT_EQ(metrics[0]["stage"], "pretrain");
  EXPECT_EQ(metrics[0]["step"], 1);
  EXPECT_EQ(metrics[5]["stage"], "sft");
  for (const nlohmann::json& step : metrics) {
    for (const char* key : {"loss", "lr", "grad_norm", "tokens_per_s", "samples_per_s", "data_wait_s", "peak_memory_mib"}) {
      EXPECT_TRUE(step.contains(key)) << key;
    }
    EXPECT_FALSE(step.contains("peak_device_memory_mib"));  // a GPU's, on CUDA only
  }
  EXPECT_TRUE(metrics[0].contains("image_loss"));
  EXPECT_FALSE(metrics[5].contains("image_loss"));
  // The pre-training loss is text plus alpha times image.
  EXPECT_NEAR(metrics[1]["loss"].get<double>(),
              metrics[1]["text_loss"].get<double>() + 0.1 * metrics[1]["image_loss"].get<double>(), 1e-5);
  EXPECT_EQ(metrics[0]["lr"].get<double>(), 0.0);  // warmup: ceil(4 x 0.03) = 1 step from 0

  // [evaluation] limit 3: three held-out questions answered and scored.
  const nlohmann::json evaluation = nlohmann::json::parse(read_text_file(run / "eval.json"));
  EXPECT_EQ(evaluation["overall"]["total"], 3);
  int total = 0;
  for (const auto& category : evaluation["categories"]) total += category["total"].get<int>();
  EXPECT_EQ(total, 3);
  EXPECT_CONTAINS(result.err, "CATEGORY");
  // Every answer, one line each, in the order of the questions file.
  std::vector<nlohmann::json> answers;
  std::istringstream answer_lines(read_text_file(run / "eval_answers.jsonl"));
  for (std::string line; std::getline(answer_lines, line);) answers.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(answers.size(), 3u);
  const nlohmann::json questions = nlohmann::json::parse(read_text_file(scratch_ / "shapes" / "eval.json"));
  std::map<std::string, std::map<std::string, int>> references;  // category → expected answer → count
  for (std::size_t index = 0; index < answers.size(); ++index) {
    EXPECT_EQ(answers[index]["id"], questions[index]["id"]);
    EXPECT_EQ(answers[index]["expected"], questions[index]["conversations"][1]["value"]);
    const nlohmann::json& question = questions[index];
    ++references[question["category"].get<std::string>()][question["conversations"][1]["value"].get<std::string>()];
  }
  // The prior: each category's most common expected answer given to all its questions.
  int prior_correct = 0;
  for (const auto& [category, counts] : references) {
    int most = 0;
    for (const auto& [answer, count] : counts) most = std::max(most, count);
    prior_correct += most;
    EXPECT_DOUBLE_EQ(evaluation["categories"][category]["prior"]["accuracy"].get<double>(),
                     static_cast<double>(most) / evaluation["categories"][category]["total"].get<double>());
  }
  EXPECT_DOUBLE_EQ(evaluation["overall"]["prior"]["accuracy"].get<double>(), prior_correct / 3.0);
  EXPECT_CONTAINS(result.err, "PRIOR");

  // The same run again would overwrite its checkpoints: refused before anything trains.
  const auto again = vdep_run(fixture("tiny_training.toml") + " --set output_dir=" + shell_quote(scratch_.string()));
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_CONTAINS(again.err, "already holds checkpoints (the latest is sft-step-2): add --resume");
}

// Asking for CUDA where there is none (a CPU LibTorch, no GPU) is the experiment's error, reported
// at its key before the run folder or anything else is made.
TEST_F(CliTest, DeviceCudaWithoutAGpuExitsTwoNamingTheKey) {
  if (torch::cuda::is_available()) GTEST_SKIP() << "a CUDA device is visible";
  const std::filesystem::path experiment = scratch_ / "on_gpu.toml";
  std::ofstream(experiment) << "base = [\"" << (kFixtures / "tiny_training.toml").string() << "\"]\n"
                            << "device = \"cuda\"\n";
  const auto result =
      vdep_run(shell_quote(experiment.string()) + " --set output_dir=" + shell_quote(scratch_.string()));
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_CONTAINS(result.err, experiment.string() + ":2:");
  EXPECT_CONTAINS(result.err, "error: device: \"cuda\" asked for, but no CUDA device is visible");
  EXPECT_FALSE(std::filesystem::exists(scratch_ / "cli_tiny"));
}

// The README's main job, experiments/toy_shapes.toml, cut to a few steps per stage: every stage
// of the pipeline runs from the CLI, from the tokenizer training to the evaluation table.
TEST_F(CliTest, ToyExperimentRunsEveryStageOfThePipeline) {
  std::string reduced = " --set output_dir=" + shell_quote((scratch_ / "runs").string());
  for (const char* stage : {"encoder", "language", "pretrain", "sft"}) {
    reduced += std::string(" --set stage.") + stage + ".max_steps=2 --set stage." + stage + ".global_batch_size=8";
  }
  // The encoder stage generates its one-shape scenes, the language stage the data the later stages
  // read; those must ask for the scenes it was generated with.
  reduced += " --set stage.encoder.datasets.shapes.scenes=24 --set evaluation.limit=6";
  for (const char* stage : {"language", "pretrain", "sft"}) {
    reduced += std::string(" --set stage.") + stage + ".datasets.shapes.scenes=24";
  }
  const auto result = run_process("cd " + shell_quote(scratch_.string()) + " && env -u VDEP_PLUGIN_PATH " +
                                  shell_quote(kRun) + " " +
                                  shell_quote(std::string(VDEP_SOURCE_DIR) + "/experiments/toy_shapes.toml") + reduced);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto run = scratch_ / "runs" / "toy_shapes";
  EXPECT_TRUE(std::filesystem::is_regular_file(scratch_ / "data" / "shapes_toy_single" / "pretrain.json"));
  EXPECT_TRUE(std::filesystem::is_regular_file(scratch_ / "data" / "shapes_toy" / "eval.json"));
  EXPECT_TRUE(std::filesystem::is_regular_file(run / "tokenizer.model"));
  const std::string log = read_text_file(run / "run.log");
  EXPECT_CONTAINS(log, "tokenizer: SentencePiece bpe model of ");
  EXPECT_CONTAINS(log, "shapes_toy/pretrain.json, 24 records, text only");

  std::vector<nlohmann::json> metrics;
  std::istringstream lines(read_text_file(run / "metrics.jsonl"));
  for (std::string line; std::getline(lines, line);) metrics.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(metrics.size(), 8u);
  EXPECT_EQ(metrics[0]["stage"], "encoder");
  EXPECT_TRUE(metrics[0].contains("contrastive_loss"));
  EXPECT_FALSE(metrics[0].contains("text_loss"));
  EXPECT_EQ(metrics[2]["stage"], "language");
  EXPECT_TRUE(metrics[2].contains("text_loss"));
  EXPECT_EQ(metrics[4]["stage"], "pretrain");
  EXPECT_TRUE(metrics[4].contains("image_loss"));
  EXPECT_EQ(metrics[7]["stage"], "sft");

  // The encoder stage's checkpoint holds the contrastive objective's own weights beside the encoder's.
  const std::string index = read_text_file(run / "checkpoints" / "encoder-step-2" / "model.safetensors");
  EXPECT_CONTAINS(index, "objectives.0.text_model.token_embedding.weight");
  EXPECT_CONTAINS(index, "model.vision_tower.vision_tower.vision_model.post_layernorm.weight");

  const nlohmann::json evaluation = nlohmann::json::parse(read_text_file(run / "eval.json"));
  EXPECT_EQ(evaluation["overall"]["total"], 6);
}

// Run A trains both stages saving every 2 steps. Run B starts from A's pretrain-step-2 checkpoint
// alone and, with --resume, must log the same losses for the remaining 2 + 2 steps.
TEST_F(CliTest, ResumeContinuesExactlyWhereTheCheckpointStopped) {
  const std::string common = fixture("tiny_training.toml") + " --set stage.pretrain.datasets.shapes.folder=" +
                             shell_quote((scratch_ / "shapes").string()) + " --set stage.sft.datasets.shapes.folder=" +
                             shell_quote((scratch_ / "shapes").string()) +
                             " --set stage.pretrain.save_every=2 --set stage.sft.save_every=2";
  const auto a = vdep_run(common + " --set output_dir=" + shell_quote((scratch_ / "a").string()));
  ASSERT_EQ(a.exit_code, 0) << a.err;
  const auto a_checkpoints = scratch_ / "a" / "cli_tiny" / "checkpoints";
  for (const char* name : {"pretrain-step-2", "pretrain-step-4", "sft-step-2"}) {
    EXPECT_TRUE(std::filesystem::is_directory(a_checkpoints / name)) << name;
  }
  const auto b_checkpoints = scratch_ / "b" / "cli_tiny" / "checkpoints";
  std::filesystem::create_directories(b_checkpoints);
  std::filesystem::copy(a_checkpoints / "pretrain-step-2", b_checkpoints / "pretrain-step-2");
  const auto b = vdep_run(common + " --set output_dir=" + shell_quote((scratch_ / "b").string()) + " --resume");
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_CONTAINS(b.err, "stage 'pretrain' resumes after step 2 (epoch 0, micro-batch 4)");

  const auto losses = [](const std::filesystem::path& metrics_file) {
    std::vector<std::pair<std::string, double>> found;
    std::istringstream lines(read_text_file(metrics_file));
    for (std::string line; std::getline(lines, line);) {
      const nlohmann::json step = nlohmann::json::parse(line);
      found.emplace_back(step["stage"].get<std::string>() + "-" + std::to_string(step["step"].get<int>()),
                         step["loss"].get<double>());
    }
    return found;
  };
  const auto whole = losses(scratch_ / "a" / "cli_tiny" / "metrics.jsonl");
  const auto resumed = losses(scratch_ / "b" / "cli_tiny" / "metrics.jsonl");
  ASSERT_EQ(whole.size(), 6u);
  ASSERT_EQ(resumed.size(), 4u);
  for (std::size_t i = 0; i < resumed.size(); ++i) {
    EXPECT_EQ(resumed[i].first, whole[i + 2].first);
    EXPECT_NEAR(resumed[i].second, whole[i + 2].second, 1e-6) << resumed[i].first;
  }

  const auto nothing = vdep_run(fixture("tiny_training.toml") + " --set output_dir=" +
                                shell_quote((scratch_ / "c").string()) + " --resume");
  EXPECT_EQ(nothing.exit_code, 2);
  EXPECT_CONTAINS(nothing.err, "nothing to resume: no checkpoint in");
}

TEST_F(CliTest, NprocPerNodeTakesAWorkerCountAndIsRefusedUnderTorchrun) {
  const auto zero = vdep_run("x.toml --nproc-per-node 0");
  EXPECT_EQ(zero.exit_code, 2);
  EXPECT_CONTAINS(zero.err, "--nproc-per-node must be >= 1 (got 0)");
  const auto word = vdep_run("x.toml --nproc-per-node x");
  EXPECT_EQ(word.exit_code, 2);
  EXPECT_CONTAINS(word.err, "--nproc-per-node takes an integer (got 'x')");
  const auto not_a_run = vdep_run("check x.toml --nproc-per-node 2");
  EXPECT_EQ(not_a_run.exit_code, 2);
  EXPECT_CONTAINS(not_a_run.err, "--nproc-per-node only applies to a run");
  const auto under_torchrun = vdep_run(fixture("valid.toml") + " --nproc-per-node 2", "RANK=0");
  EXPECT_EQ(under_torchrun.exit_code, 2);
  EXPECT_CONTAINS(under_torchrun.err, "do not combine it with torchrun/srun (RANK is set)");
}

TEST_F(CliTest, NprocPerNodeWorkersFailingAlikeGiveTheirExitCodeAndPrefixedLines) {
  const std::string missing = (scratch_ / "missing.toml").string();
  const auto result = vdep_run(shell_quote(missing) + " --nproc-per-node=2", "-u RANK");
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_CONTAINS(result.err, "info: starting 2 workers on 127.0.0.1:");
  // The first rank to fail stops the other, which may not have got as far as saying why.
  const std::string reason = "] vdep-run: error: experiment file not found: " + missing + "\n";
  EXPECT_TRUE(result.err.find("[rank 0" + reason) != std::string::npos ||
              result.err.find("[rank 1" + reason) != std::string::npos)
      << result.err;
  EXPECT_CONTAINS(result.err, "vdep-run: worker rank ");
}

TEST_F(CliTest, RunWithAFailingFactoryExitsTwoNamingThePlugin) {
  const auto result = vdep_run(fixture("throwing.toml") + " --plugin-path " +
                               shell_quote((kTestPlugins / "throwing").string()) +
                               " --set output_dir=" + shell_quote(scratch_.string()));
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_CONTAINS(result.err, "objective plugin 'test_throwing'");
  EXPECT_CONTAINS(result.err, "is truncated");
  // The run's log says why it ended, too.
  const std::string log = read_text_file(scratch_ / "cli_throwing" / "run.log");
  EXPECT_CONTAINS(log, "[error] objective plugin 'test_throwing'");
  EXPECT_CONTAINS(log, "is truncated");
}

TEST_F(CliTest, ExperimentPluginFoldersAndReferencedFilesResolveAgainstTheExperiment) {
  std::filesystem::create_directories(scratch_ / "plugins");
  std::filesystem::copy_file(kTestPlugins / "good" / "vdep_test_good.so", scratch_ / "plugins" / "vdep_test_good.so");
  std::filesystem::create_directories(scratch_ / "exp");
  const auto experiment = scratch_ / "exp" / "exp.toml";
  std::ofstream(experiment) << "name = \"folders\"\n"
                               "[plugins]\n"
                               "paths = [\"../plugins\"]\n"
                               "[[stage]]\n"
                               "name = \"pretrain\"\n"
                               "[[stage.objectives]]\n"
                               "plugin = \"test_scale\"\n"
                               "table = \"data/table.txt\"\n";
  // From another directory: relative paths follow the file, not the current directory.
  const std::string check = "check " + shell_quote(experiment.string());
  const auto missing = run_process("cd / && env -u VDEP_PLUGIN_PATH " + shell_quote(kRun) + " " + check);
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_CONTAINS(missing.err, experiment.string() + ":8:9: error: stage[0].objectives[0].table: file not found: " +
                                   (scratch_ / "exp" / "data" / "table.txt").string());

  std::filesystem::create_directories(scratch_ / "exp" / "data");
  std::ofstream(scratch_ / "exp" / "data" / "table.txt") << "1 2 3\n";
  const auto ok = run_process("cd / && env -u VDEP_PLUGIN_PATH " + shell_quote(kRun) + " " + check);
  EXPECT_EQ(ok.exit_code, 0) << ok.err;

  // A plugin folder given with --set is relative to the current directory.
  const auto from_set = run_process("cd " + shell_quote(scratch_.string()) + " && env -u VDEP_PLUGIN_PATH " +
                                    shell_quote(kRun) + " config " + shell_quote(experiment.string()) +
                                    " --set 'plugins.paths=[\"plugins\"]'");
  EXPECT_EQ(from_set.exit_code, 0) << from_set.err;
  EXPECT_CONTAINS(from_set.out, "paths = [\"" + (scratch_ / "plugins").string() + "\"]");
}

TEST_F(CliTest, ProbeEncoderPrintsStatisticsAndDumpsEveryTensor) {
  const auto image = std::filesystem::path(VDEP_FIXTURES_DIR) / "image" / "sources" / "gradient_97x61.png";
  const auto dump = scratch_ / "probe.safetensors";
  const auto result = vdep_run("probe encoder --plugin clip_vit --param preset=tiny --image " +
                               shell_quote(image.string()) + " --dump " + shell_quote(dump.string()));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_CONTAINS(result.out, "pixel_values   [1, 3, 28, 28]");
  EXPECT_CONTAINS(result.out, "image_features [1, 4, 32]");
  const SafetensorsReader tensors = SafetensorsReader::open(dump);
  EXPECT_EQ(tensors.names(), (std::vector<std::string>{"hidden_states.0", "hidden_states.1", "hidden_states.2",
                                                       "image_features", "pixel_values"}));
  // select_layer -2 of 3 layers, CLS dropped
  EXPECT_TRUE(at::equal(tensors.get("image_features"), tensors.get("hidden_states.2").narrow(1, 1, 4)));
  EXPECT_EQ(tensors.metadata().at("plugin"), "clip_vit");

  const auto bad_param = vdep_run("probe encoder --plugin clip_vit --param preset=huge --image " + shell_quote(image.string()));
  EXPECT_EQ(bad_param.exit_code, 2);
  EXPECT_CONTAINS(bad_param.err, "encoder.preset: must be one of vit-l-14-336, vit-l-14, vit-b-16, vit-b-32, toy, tiny (got 'huge')");
  const auto no_image = vdep_run("probe encoder --plugin clip_vit --image " + shell_quote((scratch_ / "none.png").string()));
  EXPECT_EQ(no_image.exit_code, 2);
  EXPECT_CONTAINS(no_image.err, "image not found: " + (scratch_ / "none.png").string());
}

TEST_F(CliTest, TokenizePrintsIdsAndPieces) {
  const std::string gpt2 = shell_quote((std::filesystem::path(VDEP_FIXTURES_DIR) / "tokenizers" / "gpt2").string());
  const auto result = vdep_run("tokenize --tokenizer " + gpt2 + " 'Hello, world!'");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_CONTAINS(result.out, "4 tokens: 15496 11 995 0\n");
  EXPECT_CONTAINS(result.out, "2      995      \xC4\xA0world\n");  // "Ġworld"
  const auto escaped = vdep_run("tokenize --tokenizer " + gpt2 + " --no-special \"$(printf 'a\\\\b\\tc')\"");
  ASSERT_EQ(escaped.exit_code, 0) << escaped.err;
  EXPECT_CONTAINS(escaped.out, "\\\\");
}

TEST_F(CliTest, TokenizeJsonlWritesOneRecordPerLine) {
  const std::string gpt2 = shell_quote((std::filesystem::path(VDEP_FIXTURES_DIR) / "tokenizers" / "gpt2").string());
  const auto result = run_process("printf 'Hello, world!\\n\\303\\251t\\303\\251<|endoftext|>\\n' | " + shell_quote(kRun) +
                                  " tokenize --jsonl --tokenizer " + gpt2);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::istringstream lines(result.out);
  std::string line;
  std::vector<nlohmann::json> records;
  while (std::getline(lines, line)) records.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(records.size(), 2u) << result.out;
  EXPECT_EQ(records[0]["text"], "Hello, world!");
  EXPECT_EQ(records[0]["ids"], nlohmann::json({15496, 11, 995, 0}));
  EXPECT_EQ(records[1]["text"], "\xC3\xA9t\xC3\xA9<|endoftext|>");
  EXPECT_EQ(records[1]["ids"].back(), 50256);

  const auto invalid = run_process("printf 'ok\\n\\377\\n' | " + shell_quote(kRun) + " tokenize --jsonl --tokenizer " + gpt2);
  EXPECT_EQ(invalid.exit_code, 2);
  EXPECT_CONTAINS(invalid.err, "stdin line 2: not valid UTF-8");
}

TEST_F(CliTest, TokenizeBadUsageExitsTwo) {
  const auto missing = vdep_run("tokenize --tokenizer " + shell_quote((scratch_ / "none").string()) + " hi");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_CONTAINS(missing.err, "tokenizer not found: " + (scratch_ / "none").string());
  const auto no_tokenizer = vdep_run("tokenize hi");
  EXPECT_EQ(no_tokenizer.exit_code, 2);
  EXPECT_CONTAINS(no_tokenizer.err, "tokenize needs --tokenizer PATH");
  const auto misspelt = vdep_run("tokenize --tokeniser x hi");
  EXPECT_EQ(misspelt.exit_code, 2);
  EXPECT_CONTAINS(misspelt.err, "did you mean '--tokenizer'?");
  const auto elsewhere = vdep_run("plugins --jsonl");
  EXPECT_EQ(elsewhere.exit_code, 2);
  EXPECT_CONTAINS(elsewhere.err, "--jsonl only applies to 'tokenize'");
  // A folder without tokenizer files is a runtime failure: the path exists.
  const auto empty = vdep_run("tokenize --tokenizer " + shell_quote(scratch_.string()) + " hi");
  EXPECT_EQ(empty.exit_code, 1);
  EXPECT_CONTAINS(empty.err, scratch_.string() + ": no tokenizer here");
}

TEST_F(CliTest, ProbeLlmTokenizesGeneratesAndDumpsThePromptPass) {
  // A tiny LLaMA in an HF folder, with the LLaMA-style SentencePiece model of the template tests.
  TinyDecoder decoder = tiny_llama();
  decoder.vocab = 420;
  const auto model = scratch_ / "tiny-llama";
  std::string config = config_json(decoder);
  const std::string short_context = "\"max_position_embeddings\": 64";
  config.replace(config.find(short_context), short_context.size(), "\"max_position_embeddings\": 512");
  write_checkpoint(model, config, random_weights(decoder, 3));
  std::filesystem::copy_file(std::filesystem::path(VDEP_FIXTURES_DIR) / "chat" / "llama_sp" / "tokenizer.model",
                             model / "tokenizer.model");

  const auto dump = scratch_ / "prompt.safetensors";
  const auto result = vdep_run("probe llm --plugin llama --weights " + shell_quote(model.string()) +
                               " --prompt 'What is it?' --template vicuna_v1 --max-new-tokens 5 --dump " +
                               shell_quote(dump.string()));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_CONTAINS(result.out, "llm llama: 2 layers, hidden 32, vocabulary 420");
  EXPECT_CONTAINS(result.out, "questions. USER: What is it? ASSISTANT:\"");
  EXPECT_CONTAINS(result.out, "generation     5 tokens");

  const auto tokenizer = load_tokenizer(model);
  const std::vector<std::int64_t> expected_ids = tokenizer->encode(
      ChatTemplate::create("vicuna_v1")->render_generation_prompt({{"human", "What is it?"}}));
  const SafetensorsReader tensors = SafetensorsReader::open(dump);
  EXPECT_EQ(tensors.names(), (std::vector<std::string>{"hidden_states.0", "hidden_states.1", "hidden_states.2",
                                                       "input_ids", "logits"}));
  const at::Tensor ids = tensors.get("input_ids");
  EXPECT_EQ(std::vector<std::int64_t>(ids.data_ptr<std::int64_t>(), ids.data_ptr<std::int64_t>() + ids.numel()), expected_ids);
  const auto length = static_cast<std::int64_t>(expected_ids.size());
  EXPECT_EQ(tensors.get("logits").sizes(), (at::IntArrayRef{1, length, 420}));
  // hidden_states.0 is the embedding of the prompt: the checkpoint's embedding rows.
  const at::Tensor embeddings = SafetensorsReader::open(model).get("model.embed_tokens.weight");
  EXPECT_TRUE(at::allclose(tensors.get("hidden_states.0")[0], embeddings.index_select(0, ids[0])));

  const auto without_tokenizer = vdep_run("probe llm --plugin llama --param preset=tiny --prompt hello");
  EXPECT_EQ(without_tokenizer.exit_code, 2);
  EXPECT_CONTAINS(without_tokenizer.err, "--prompt needs a tokenizer");
  const auto outside = vdep_run("probe llm --plugin llama --param preset=tiny --ids 1,256");
  EXPECT_EQ(outside.exit_code, 2);
  EXPECT_CONTAINS(outside.err, "token id 256 is outside the model's vocabulary [0, 256)");
  const auto no_prompt = vdep_run("probe llm --plugin llama --param preset=tiny");
  EXPECT_EQ(no_prompt.exit_code, 2);
  EXPECT_CONTAINS(no_prompt.err, "probe llm needs one of --prompt TEXT or --ids 1,2,3");
  const auto image = vdep_run("probe llm --plugin llama --ids 1 --image x.png");
  EXPECT_EQ(image.exit_code, 2);
  EXPECT_CONTAINS(image.err, "--image does not apply to probe llm");
}

TEST_F(CliTest, DataShapesWritesLlavaJsonNamingImagesThatExist) {
  const std::filesystem::path out = scratch_ / "shapes";
  const auto result = vdep_run("data shapes --n 5 --out " + shell_quote(out.string()));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_CONTAINS(result.out, "wrote 5 training scenes");

  int pngs = 0;
  for (const auto& entry : std::filesystem::directory_iterator(out / "images")) {
    EXPECT_EQ(entry.path().extension(), ".png");
    ++pngs;
  }
  EXPECT_EQ(pngs, 5);
  for (const char* name : {"pretrain.json", "sft.json", "eval.json"}) {
    SCOPED_TRACE(name);
    const nlohmann::json records = nlohmann::json::parse(read_text_file(out / name));
    ASSERT_TRUE(records.is_array());
    EXPECT_EQ(records.size() >= 5, std::string(name) != "eval.json") << "eval.json: fewer held-out scenes";
    EXPECT_FALSE(records.empty());
    std::set<std::string> ids;
    for (const nlohmann::json& record : records) {
      ids.insert(record.at("id").get<std::string>());
      const std::string image = record.at("image").get<std::string>();
      EXPECT_TRUE(std::filesystem::is_regular_file(out / image)) << image;
      const nlohmann::json& conversations = record.at("conversations");
      ASSERT_GE(conversations.size(), 2u);
      EXPECT_EQ(conversations.size() % 2, 0u);
      for (std::size_t turn = 0; turn < conversations.size(); ++turn) {
        EXPECT_EQ(conversations[turn].at("from"), turn % 2 == 0 ? "human" : "gpt");
        const std::string value = conversations[turn].at("value").get<std::string>();
        EXPECT_EQ(value.find("<image>") != std::string::npos, turn == 0) << value;
      }
    }
    EXPECT_EQ(ids.size(), records.size());
  }
  // Held-out scenes are drawn apart from the training ones, into their own folder.
  for (const nlohmann::json& record : nlohmann::json::parse(read_text_file(out / "eval.json"))) {
    EXPECT_EQ(record.at("image").get<std::string>().rfind("eval_images/", 0), 0u);
    EXPECT_EQ(record.at("conversations").size(), 2u);
  }
}

TEST_F(CliTest, DataShapesIsByteIdenticalForTheSameSeed) {
  const auto generate = [&](const std::string& folder, const std::string& seed) {
    const auto result = vdep_run("data shapes --n 12 --size 128 --seed " + seed + " --out " + shell_quote((scratch_ / folder).string()));
    EXPECT_EQ(result.exit_code, 0) << result.err;
  };
  generate("first", "3");
  generate("again", "3");
  generate("other", "4");
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(scratch_ / "first")) {
    if (entry.is_regular_file()) files.push_back(std::filesystem::relative(entry.path(), scratch_ / "first"));
  }
  EXPECT_EQ(files.size(), 12u + 2u + 4u);  // training images, held-out images, four JSON files
  int differing = 0;
  for (const auto& file : files) {
    const std::string first = read_text_file(scratch_ / "first" / file);
    EXPECT_EQ(first, read_text_file(scratch_ / "again" / file)) << file;
    if (first != read_text_file(scratch_ / "other" / file)) ++differing;
  }
  EXPECT_EQ(differing, static_cast<int>(files.size())) << "another seed should change every file";
}

TEST_F(CliTest, DataShapesBadUsageExitsTwoAndAnUnwritableFolderOne) {
  const std::string out = " --out " + shell_quote((scratch_ / "shapes").string());
  const auto zero = vdep_run("data shapes --n 0" + out);
  EXPECT_EQ(zero.exit_code, 2);
  EXPECT_CONTAINS(zero.err, "data shapes needs --n N with N >= 1");
  const auto no_out = vdep_run("data shapes --n 5");
  EXPECT_EQ(no_out.exit_code, 2);
  EXPECT_CONTAINS(no_out.err, "data shapes needs --out DIR");
  const auto dataset = vdep_run("data circles --n 5" + out);
  EXPECT_EQ(dataset.exit_code, 2);
  EXPECT_CONTAINS(dataset.err, "data takes one operand");
  const auto size = vdep_run("data shapes --n 5 --size 8" + out);
  EXPECT_EQ(size.exit_code, 2);
  EXPECT_CONTAINS(size.err, "--size must be in [64, 4096] (got 8)");
  const auto elsewhere = vdep_run("plugins --n 5");
  EXPECT_EQ(elsewhere.exit_code, 2);
  EXPECT_CONTAINS(elsewhere.err, "--n only applies to 'data shapes'");
  EXPECT_FALSE(std::filesystem::exists(scratch_ / "shapes")) << "bad usage should write nothing";
  // Below a regular file no folder can be made.
  std::ofstream(scratch_ / "not_a_folder") << "x";
  const auto unwritable = vdep_run("data shapes --n 1 --out " + shell_quote((scratch_ / "not_a_folder" / "shapes").string()));
  EXPECT_EQ(unwritable.exit_code, 1);
  EXPECT_CONTAINS(unwritable.err, "not_a_folder");
}

TEST_F(CliTest, DataShapesLeavesAFolderThatHoldsFilesAlone) {
  const std::filesystem::path folder = scratch_ / "taken";
  std::filesystem::create_directories(folder);
  std::ofstream(folder / "notes.txt") << "mine";
  const auto result = vdep_run("data shapes --n 2 --out " + shell_quote(folder.string()));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_CONTAINS(result.err, "nothing written: " + folder.string() + " already holds files");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(folder), std::filesystem::directory_iterator()), 1);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(scratch_), std::filesystem::directory_iterator()), 1)
      << "no temporary folder left beside it";
}

// Four LLaVA records over images drawn by `data shapes`: two good, one naming a missing file and
// one a file that is not an image. The loader trains on the two, skips and reports the others.
TEST_F(CliTest, ProbeDataRunsADatasetThroughTheLoaderAndReportsSkippedImages) {
  const std::filesystem::path shapes = scratch_ / "shapes";
  ASSERT_EQ(vdep_run("data shapes --n 2 --size 64 --out " + shell_quote(shapes.string())).exit_code, 0);
  std::ofstream(shapes / "images" / "broken.png") << "not a png";
  const auto record = [](const std::string& id, const std::string& image) {
    return nlohmann::json{{"id", id},
                          {"image", image},
                          {"conversations", {{{"from", "human"}, {"value", "<image>\nWhat is it?"}},
                                             {{"from", "gpt"}, {"value", "A red circle."}}}}};
  };
  const nlohmann::json records = {record("good-0", "images/0000000.png"), record("missing", "images/none.png"),
                                  record("good-1", "images/0000001.png"), record("corrupt", "images/broken.png")};
  std::ofstream(scratch_ / "records.json") << records.dump();

  const std::string tokenizer = shell_quote((kFixtures / "../chat/llama_sp/tokenizer.model").string());
  const auto result = vdep_run("probe data --plugin llava_json --param annotations=" +
                               shell_quote((scratch_ / "records.json").string()) + " --param image_folder=" +
                               shell_quote(shapes.string()) + " --tokenizer " + tokenizer +
                               " --data-ratio 1 --batch 4 --size 32 --workers 1");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  // Every example once in LLaVA mode and, at data_ratio 1, once more in VDEP mode.
  EXPECT_CONTAINS(result.out, "8 items: 4 LLaVA-mode + 4 VDEP-mode");
  EXPECT_CONTAINS(result.out, "data: 2 LLaVA-mode and 2 VDEP-mode samples encoded; 4 skipped");
  EXPECT_CONTAINS(result.out, (shapes / "images" / "none.png").string());
  EXPECT_CONTAINS(result.out, (shapes / "images" / "broken.png").string());
  EXPECT_CONTAINS(result.out, ", 3, 32, 32]");  // preprocessed to --size

  const auto ratio = vdep_run("probe data --plugin llava_json --tokenizer " + tokenizer + " --data-ratio 2");
  EXPECT_EQ(ratio.exit_code, 2);
  EXPECT_CONTAINS(ratio.err, "--data-ratio must be in [0, 1]");
  const auto no_tokenizer = vdep_run("probe data --plugin llava_json");
  EXPECT_EQ(no_tokenizer.exit_code, 2);
  EXPECT_CONTAINS(no_tokenizer.err, "probe data needs --tokenizer PATH");
  const auto misplaced = vdep_run("probe data --plugin llava_json --tokenizer " + tokenizer + " --image x.png");
  EXPECT_EQ(misplaced.exit_code, 2);
  EXPECT_CONTAINS(misplaced.err, "--image does not apply to probe data");
}

TEST_F(CliTest, RuntimeFailureExitsOne) {
  // The run folder cannot be created below a regular file.
  std::ofstream(scratch_ / "not_a_folder") << "x";
  const auto result = vdep_run(fixture("valid.toml") + " --set output_dir=" + shell_quote((scratch_ / "not_a_folder").string()));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_CONTAINS(result.err, "cannot create run folder");
}

}  // namespace
}  // namespace vdep::test
