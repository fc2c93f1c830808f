// One [[stage]] of an experiment file as the trainer reads it (the keys and their documentation
// are in config/experiment_schema.cpp; validation has already filled in every default).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "train/learning_rate_schedule.h"

namespace vdep {

// The dtype the forward and the objectives compute in; parameters, gradients and the optimizer
// stay fp32 either way.
enum class TrainingPrecision { Fp32, Bf16Autocast };

struct StageSettings {
  std::string name;
  std::string chat_template = "plain";
  std::vector<std::string> train = {"projector"};
  double data_ratio = 0.0;
  bool group_by_modality_length = false;
  std::int64_t max_length = 2048;
  bool pad_to_square = true;
  std::optional<std::string> init_from;  // weights to start from (a checkpoint folder or safetensors)
  std::int64_t epochs = 1;
  std::int64_t max_steps = 0;
  std::optional<std::int64_t> global_batch_size;
  std::optional<std::int64_t> micro_batch_size;
  std::optional<std::int64_t> gradient_accumulation;
  double lr = 1e-3;
  LearningRateShape lr_schedule = LearningRateShape::Cosine;
  double warmup_ratio = 0.03;
  std::optional<std::int64_t> warmup_steps;
  double weight_decay = 0.0;
  double adam_beta1 = 0.9;
  double adam_beta2 = 0.999;
  double adam_epsilon = 1e-8;
  double max_grad_norm = 1.0;
  std::int64_t workers = 2;
  std::int64_t log_every = 1;
  std::int64_t save_every = 0;
  std::int64_t eval_every = 0;
  std::int64_t keep_last = 2;
  bool gradient_checkpointing = false;
  TrainingPrecision precision = TrainingPrecision::Fp32;

  // From a validated [[stage]] table.
  static StageSettings from_table(const toml::table& stage);
};

}  // namespace vdep
