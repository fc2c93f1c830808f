// One training stage on the tiny model and a generated shapes dataset: what it leaves frozen, that
// gradient accumulation is the same step as one large batch, and that gradient checkpointing and bf16
// autocast change what they should and nothing else.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include <torch/torch.h>

#include <vdep/autocast.h>
#include <vdep/llava_json_dataset.h>
#include <vdep/shapes_dataset.h>
#include <vdep/tokenizer.h>

#include "support/temporary_folder.h"
#include "support/tiny_multimodal_model.h"
#include "train/stage_trainer.h"
#include "train/trainable_parameters.h"
#include "train/training_checkpoint.h"

namespace vdep {
namespace {

using Snapshot = std::vector<std::pair<std::string, at::Tensor>>;

Snapshot snapshot(torch::nn::Module& module) {
  Snapshot copies;
  for (const auto& item : module.named_parameters()) copies.emplace_back(item.key(), item.value().detach().clone());
  return copies;
}

bool unchanged(const Snapshot& before, torch::nn::Module& module) {
  const auto now = module.named_parameters();
  for (const auto& [name, value] : before) {
    if (!torch::equal(value, now[name])) return false;
  }
  return true;
}

class StageTrainerTest : public test::TemporaryFolderTest {
 protected:
  void SetUp() override {
    TemporaryFolderTest::SetUp();
    ShapesDatasetOptions options;
    options.scenes = 16;
    options.seed = 1;
    options.image_size = 64;
    write_shapes_dataset(folder_ / "shapes", options);
    dataset_ = std::make_unique<LlavaJsonDataset>("shapes", LlavaAnnotations::open(folder_ / "shapes" / "pretrain.json"),
                                                  folder_ / "shapes");
    tokenizer_ = load_tokenizer(std::filesystem::path(VDEP_FIXTURES_DIR) / "chat" / "llama_sp" / "tokenizer.model");
    lm_ = test::make_bundled<Objective>(PluginKind::Objective, "objectives", "lm", toml::table{});
  }

  StageSettings settings(std::int64_t micro, std::int64_t accumulation) const {
    StageSettings stage;
    stage.name = "test";
    stage.micro_batch_size = micro;
    stage.gradient_accumulation = accumulation;
    stage.max_length = 256;
    stage.max_steps = 2;
    stage.warmup_steps = 0;
    stage.workers = 0;
    return stage;
  }

  StageSummary train(test::TinyMultimodalModel& tiny, const StageSettings& stage) {
    return StageTrainer(stage, tiny.model, *tokenizer_, {lm_.get()}, {dataset_.get()}, StageRun{}).run();
  }

  std::unique_ptr<Dataset> dataset_;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::unique_ptr<Objective> lm_;
};

TEST_F(StageTrainerTest, FrozenModulesEndTheStageBitForBitUnchanged) {
  test::TinyMultimodalModel tiny(tokenizer_->vocab_size());
  const Snapshot encoder = snapshot(tiny.encoder->module());
  const Snapshot llm = snapshot(tiny.llm->module());
  const Snapshot projector = snapshot(*tiny.model.projector());
  const StageSummary summary = train(tiny, settings(2, 2));  // train = ["projector"], the default
  EXPECT_EQ(summary.steps, 2);
  EXPECT_EQ(summary.samples, 8);
  EXPECT_TRUE(unchanged(encoder, tiny.encoder->module()));
  EXPECT_TRUE(unchanged(llm, tiny.llm->module()));
  EXPECT_FALSE(unchanged(projector, *tiny.model.projector()));
}

// Adam divides by sqrt(v): where a gradient is near zero, the float rounding of two summation
// orders moves that element's update by a visible share of lr (1e-3 here). 5% of one step's lr.
constexpr double kUpdateTolerance = 5e-5;

// Micro-batches of 2 accumulated 4 times and one micro-batch of 8 see the same 8 samples per step;
// with the loss normalised by the step's supervised tokens, the updates are the same.
TEST_F(StageTrainerTest, GradientAccumulationEqualsOneLargeBatch) {
  StageSettings stage = settings(2, 4);
  stage.train = {"projector", "llm"};
  torch::manual_seed(5);
  test::TinyMultimodalModel accumulated(tokenizer_->vocab_size());
  const StageSummary small = train(accumulated, stage);

  stage.micro_batch_size = 8;
  stage.gradient_accumulation = 1;
  torch::manual_seed(5);
  test::TinyMultimodalModel whole(tokenizer_->vocab_size());
  const StageSummary large = train(whole, stage);

  ASSERT_EQ(small.losses.size(), 2u);
  ASSERT_EQ(large.losses.size(), 2u);
  for (std::size_t step = 0; step < 2; ++step) EXPECT_NEAR(small.losses[step], large.losses[step], 1e-5) << step;
  EXPECT_NE(small.losses[0], small.losses[1]);  // the first update changed the model
  const auto trained = whole.llm->module().named_parameters();
  for (const auto& item : accumulated.llm->module().named_parameters()) {
    EXPECT_TRUE(torch::allclose(item.value(), trained[item.key()], 0, kUpdateTolerance)) << item.key();
  }
  const auto projector = whole.model.projector()->named_parameters();
  for (const auto& item : accumulated.model.projector()->named_parameters()) {
    EXPECT_TRUE(torch::allclose(item.value(), projector[item.key()], 0, kUpdateTolerance)) << item.key();
  }
}

// A run of 12 steps over two epochs (modes mixed, workers ahead) saves at steps 4, 8 and 12. A
// fresh model resumed from the step-8 checkpoint, in the middle of the second epoch, must take
// the same 4 last steps.
TEST_F(StageTrainerTest, ResumingFromACheckpointRepeatsTheUninterruptedRun) {
  auto vdep = test::make_bundled<Objective>(PluginKind::Objective, "objectives", "vdep", toml::table{{"alpha", 0.5}});
  StageSettings stage = settings(2, 2);
  stage.train = {"projector", "llm"};
  stage.data_ratio = 0.5;  // 16 + 8 items: 6 steps of 4 per epoch
  stage.epochs = 2;
  stage.max_steps = 0;
  stage.workers = 2;
  stage.save_every = 4;
  stage.keep_last = 0;
  StageRun run;
  run.checkpoint_root = folder_ / "checkpoints";
  run.config_toml = "name = 'resume'\n";

  torch::manual_seed(11);
  test::TinyMultimodalModel uninterrupted(tokenizer_->vocab_size());
  const StageSummary whole =
      StageTrainer(stage, uninterrupted.model, *tokenizer_, {lm_.get(), vdep.get()}, {dataset_.get()}, run).run();
  ASSERT_EQ(whole.losses.size(), 12u);
  for (const char* name : {"test-step-4", "test-step-8", "test-step-12"}) {
    EXPECT_TRUE(std::filesystem::exists(run.checkpoint_root / name / "model.safetensors")) << name;
  }
  EXPECT_EQ(latest_training_checkpoint(run.checkpoint_root), run.checkpoint_root / "test-step-12");

  const TrainingCheckpoint checkpoint = read_training_checkpoint(run.checkpoint_root / "test-step-8");
  EXPECT_EQ(checkpoint.epoch, 1);
  EXPECT_EQ(checkpoint.micro_batches_in_epoch, 4);  // 2 of the second epoch's 6 steps, 2 micro-batches each
  torch::manual_seed(99);  // a different initialisation: everything trained must come from the checkpoint
  test::TinyMultimodalModel resumed(tokenizer_->vocab_size());
  restore_named_parameters(resumed.model, checkpoint.weights);
  StageRun resume_run;
  resume_run.resume = &checkpoint;
  const StageSummary tail =
      StageTrainer(stage, resumed.model, *tokenizer_, {lm_.get(), vdep.get()}, {dataset_.get()}, resume_run).run();
  ASSERT_EQ(tail.losses.size(), 4u);
  for (std::size_t step = 0; step < 4; ++step) {
    EXPECT_NEAR(tail.losses[step], whole.losses[8 + step], 1e-6) << "step " << 9 + step;
  }
}

// The LLM trained with its layers recomputed in the backward takes the same steps.
TEST_F(StageTrainerTest, GradientCheckpointingTakesTheSameSteps) {
  StageSettings stage = settings(2, 2);
  stage.train = {"projector", "llm"};
  torch::manual_seed(5);
  test::TinyMultimodalModel plain(tokenizer_->vocab_size());
  const StageSummary plain_summary = train(plain, stage);

  stage.gradient_checkpointing = true;
  torch::manual_seed(5);
  test::TinyMultimodalModel recomputed(tokenizer_->vocab_size());
  const StageSummary recomputed_summary = train(recomputed, stage);
  EXPECT_TRUE(recomputed.model.options().gradient_checkpointing);

  ASSERT_EQ(recomputed_summary.losses.size(), 2u);
  for (std::size_t step = 0; step < 2; ++step) {
    EXPECT_NEAR(plain_summary.losses[step], recomputed_summary.losses[step], 1e-6) << step;
  }
  const auto trained = plain.llm->module().named_parameters();
  for (const auto& item : recomputed.llm->module().named_parameters()) {
    EXPECT_TRUE(torch::allclose(item.value(), trained[item.key()], 0, kUpdateTolerance)) << item.key();
  }
}

// Passes the batches on to the lm objective, noting the dtype the logits arrive in: bf16 only when
// autocast reached the LM head's matmul.
class LogitsDtypeProbe final : public Objective {
 public:
  explicit LogitsDtypeProbe(Objective& lm) : lm_(lm) {}
  ObjectiveTerms compute(const ObjectiveBatch& batch) override {
    logits_dtype = batch.logits.scalar_type();
    ObjectiveTerms terms = lm_.compute(batch);
    loss_dtype = terms.total.scalar_type();
    return terms;
  }
  ObjectiveRequirements requirements() const override { return lm_.requirements(); }

  at::ScalarType logits_dtype = at::kDouble;
  at::ScalarType loss_dtype = at::kDouble;

 private:
  Objective& lm_;
};

TEST_F(StageTrainerTest, Bf16AutocastTrainsCloseToFp32) {
  StageSettings stage = settings(2, 1);
  stage.train = {"projector", "llm"};
  stage.max_steps = 3;
  std::map<TrainingPrecision, StageSummary> summaries;
  for (const TrainingPrecision precision : {TrainingPrecision::Fp32, TrainingPrecision::Bf16Autocast}) {
    stage.precision = precision;
    torch::manual_seed(5);
    test::TinyMultimodalModel tiny(tokenizer_->vocab_size());
    LogitsDtypeProbe probe(*lm_);
    summaries[precision] = StageTrainer(stage, tiny.model, *tokenizer_, {&probe}, {dataset_.get()}, StageRun{}).run();
    const bool bf16 = precision == TrainingPrecision::Bf16Autocast;
    EXPECT_EQ(probe.logits_dtype, bf16 ? at::kBFloat16 : at::kFloat);
    EXPECT_EQ(probe.loss_dtype, at::kFloat);
    for (const auto& parameter : tiny.llm->module().parameters()) ASSERT_EQ(parameter.scalar_type(), at::kFloat);
    EXPECT_FALSE(AutocastState::current().cpu_enabled);  // the trainer's region has closed
  }
  const StageSummary& fp32 = summaries[TrainingPrecision::Fp32];
  const StageSummary& bf16 = summaries[TrainingPrecision::Bf16Autocast];
  ASSERT_EQ(bf16.losses.size(), 3u);
  for (std::size_t step = 0; step < 3; ++step) {
    EXPECT_TRUE(std::isfinite(bf16.losses[step])) << step;
    EXPECT_NEAR(bf16.losses[step], fp32.losses[step], 2e-2 * fp32.losses[step]) << step;
    EXPECT_NE(bf16.losses[step], fp32.losses[step]) << step;  // bf16 rounding shows
  }
}

}  // namespace
}  // namespace vdep
