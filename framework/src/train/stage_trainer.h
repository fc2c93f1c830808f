// One stage of the schedule: its datasets through the loader, the model, the objectives summed,
// AdamW on the parameters the stage trains, the learning-rate schedule, progress and metrics.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <c10/core/Device.h>

#include <vdep/dataset.h>
#include <vdep/objective.h>
#include <vdep/tokenizer.h>

#include "dist/process_group.h"
#include "model/multimodal_model.h"
#include "train/adamw_optimizer.h"
#include "train/stage_settings.h"
#include "train/training_checkpoint.h"

namespace vdep {

enum class DataParallelStrategy { Ddp, Zero2 };

// How the processes of a multi-process run share a stage: each trains on its own part of every
// global batch, and the gradients are summed across them (the objectives normalise by the global
// batch's counts, which the trainer sums first).
struct DataParallel {
  ProcessGroup* group = nullptr;  // null: this process trains alone
  DataParallelStrategy strategy = DataParallelStrategy::Ddp;
  std::size_t bucket_bytes = 25u << 20;
};

struct StageRun {
  std::uint64_t seed = 0;
  // Where the caller put the model; the objectives' own parameters and every micro-batch go there too.
  c10::Device device = c10::DeviceType::CPU;
  DataParallel data_parallel;
  std::filesystem::path metrics_file;  // metrics.jsonl, appended to; empty = none (ranks > 0)

  std::size_t stage_index = 0;
  // runs/<name>/checkpoints; empty = no checkpoints. Rank 0 writes them; under ZeRO-2 every rank
  // writes its optimizer shard beside them.
  std::filesystem::path checkpoint_root;
  std::string config_toml;                // the resolved experiment, stored in each checkpoint
  // Parameters earlier stages trained: saved with this stage's, so that a checkpoint restores
  // everything training has changed (the pre-trained projector during an LLM-only stage).
  std::vector<std::string> carried_weights;
  // Continue this stage from here: its weights already restored into the model by the caller.
  const TrainingCheckpoint* resume = nullptr;
  // The experiment's evaluation, run every settings.eval_every steps: named scores ("accuracy",
  // per category) of the model as it stands. Empty = none.
  std::function<std::vector<std::pair<std::string, double>>()> evaluate;
};

struct StageSummary {
  std::int64_t steps = 0;
  std::int64_t samples = 0;
  double seconds = 0.0;
  double data_wait_seconds = 0.0;
  double first_loss = 0.0;  // of the first optimizer step
  double last_loss = 0.0;   // of the last
  std::vector<double> losses;  // every step's total loss
  std::string data_report;     // the loader's account of encoded and skipped samples
  std::vector<std::string> trained_weights;  // names of the parameters this stage trained
  std::filesystem::path last_checkpoint;     // the one written at the end
};

class StageTrainer {
 public:
  // Borrows everything: the caller owns the components and keeps them alive for run().
  StageTrainer(StageSettings settings, MultimodalModel& model, const Tokenizer& tokenizer,
               std::vector<Objective*> objectives, std::vector<const Dataset*> datasets, StageRun run);

  // Trains the stage to its end (from run.resume when given). Throws std::invalid_argument for settings that do not fit
  // (batch geometry, trainable modules), and whatever a component throws.
  StageSummary run();

 private:
  std::filesystem::path save_checkpoint(const std::vector<TrainableParameter>& parameters,
                                        std::vector<std::pair<std::string, at::Tensor>> optimizer_state,
                                        bool sharded_optimizer, std::int64_t step, std::int64_t epoch,
                                        std::size_t position, double loss);

  StageSettings settings_;
  MultimodalModel& model_;
  const Tokenizer& tokenizer_;
  std::vector<Objective*> objectives_;
  std::vector<const Dataset*> datasets_;
  StageRun run_;
};

}  // namespace vdep
