#include "train/stage_settings.h"

namespace vdep {

namespace {

std::optional<std::int64_t> optional_int(const toml::table& table, std::string_view key) {
  return table[key].value<std::int64_t>();
}

}  // namespace

StageSettings StageSettings::from_table(const toml::table& stage) {
  StageSettings settings;
  settings.name = stage["name"].value_or(std::string());
  settings.chat_template = stage["template"].value_or(settings.chat_template);
  if (const toml::array* train = stage["train"].as_array()) {
    settings.train.clear();
    for (const auto& entry : *train) settings.train.push_back(entry.value_or(std::string()));
  }
  settings.data_ratio = stage["data_ratio"].value_or(settings.data_ratio);
  settings.group_by_modality_length = stage["group_by_modality_length"].value_or(false);
  settings.max_length = stage["max_length"].value_or(settings.max_length);
  settings.pad_to_square = stage["image_aspect_ratio"].value_or(std::string("pad")) == "pad";
  settings.init_from = stage["init_from"].value<std::string>();
  settings.epochs = stage["epochs"].value_or(settings.epochs);
  settings.max_steps = stage["max_steps"].value_or(settings.max_steps);
  settings.global_batch_size = optional_int(stage, "global_batch_size");
  settings.micro_batch_size = optional_int(stage, "micro_batch_size");
  settings.gradient_accumulation = optional_int(stage, "gradient_accumulation");
  settings.lr = stage["lr"].value_or(settings.lr);
  settings.lr_schedule = learning_rate_shape(stage["lr_schedule"].value_or(std::string("cosine")));
  settings.warmup_ratio = stage["warmup_ratio"].value_or(settings.warmup_ratio);
  settings.warmup_steps = optional_int(stage, "warmup_steps");
  settings.weight_decay = stage["weight_decay"].value_or(settings.weight_decay);
  settings.adam_beta1 = stage["adam_beta1"].value_or(settings.adam_beta1);
  settings.adam_beta2 = stage["adam_beta2"].value_or(settings.adam_beta2);
  settings.adam_epsilon = stage["adam_epsilon"].value_or(settings.adam_epsilon);
  settings.max_grad_norm = stage["max_grad_norm"].value_or(settings.max_grad_norm);
  settings.workers = stage["workers"].value_or(settings.workers);
  settings.log_every = stage["log_every"].value_or(settings.log_every);
  settings.save_every = stage["save_every"].value_or(settings.save_every);
  settings.eval_every = stage["eval_every"].value_or(settings.eval_every);
  settings.keep_last = stage["keep_last"].value_or(settings.keep_last);
  settings.gradient_checkpointing = stage["gradient_checkpointing"].value_or(settings.gradient_checkpointing);
  settings.precision = stage["precision"].value_or(std::string("fp32")) == "bf16" ? TrainingPrecision::Bf16Autocast
                                                                                  : TrainingPrecision::Fp32;
  return settings;
}

}  // namespace vdep
