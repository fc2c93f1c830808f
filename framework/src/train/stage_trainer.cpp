#include "train/stage_trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <limits>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <vdep/autocast.h>
#include <vdep/chat_template.h>

#include "data/batch_transfer.h"
#include "data/data_loader.h"
#include "dist/gradient_reducer.h"
#include "dist/sharded_adamw.h"
#include "dist/sharded_gradient_reducer.h"
#include "run/cuda_device.h"
#include "run/process_memory.h"
#include "train/adamw_optimizer.h"
#include "train/batch_geometry.h"
#include "train/gradient_clipping.h"
#include "train/learning_rate_schedule.h"
#include "train/trainable_parameters.h"

namespace vdep {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

// "1h02m", "3m05s", "42s"
std::string duration_text(double seconds) {
  const auto total = static_cast<long long>(std::llround(std::max(0.0, seconds)));
  char text[32];
  if (total >= 3600) {
    std::snprintf(text, sizeof text, "%lldh%02lldm", total / 3600, total / 60 % 60);
  } else if (total >= 60) {
    std::snprintf(text, sizeof text, "%lldm%02llds", total / 60, total % 60);
  } else {
    std::snprintf(text, sizeof text, "%llds", total);
  }
  return text;
}

ObjectiveRequirements union_of(const std::vector<Objective*>& objectives) {
  ObjectiveRequirements needs;
  needs.logits = false;
  for (const Objective* objective : objectives) {
    const ObjectiveRequirements wanted = objective->requirements();
    needs.logits = needs.logits || wanted.logits;
    needs.hidden_states = needs.hidden_states || wanted.hidden_states;
    needs.image_pooled = needs.image_pooled || wanted.image_pooled;
    needs.text_labels_in_vdep_mode = needs.text_labels_in_vdep_mode || wanted.text_labels_in_vdep_mode;
  }
  return needs;
}

// The loss terms of one optimizer step, summed over its micro-batches in their order of first
// appearance.
struct StepTerms {
  std::vector<std::pair<std::string, double>> values;
  void add(const std::string& name, double value) {
    const auto found = std::find_if(values.begin(), values.end(), [&](const auto& term) { return term.first == name; });
    if (found == values.end()) {
      values.emplace_back(name, value);
    } else {
      found->second += value;
    }
  }
};

// The objectives' own weights from a checkpoint (the model's are restored by the caller).
void restore_objective_parameters(const std::vector<TrainableParameter>& parameters,
                                  const std::vector<std::pair<std::string, at::Tensor>>& weights) {
  torch::NoGradGuard no_grad;
  for (const TrainableParameter& parameter : parameters) {
    const auto found = std::find_if(weights.begin(), weights.end(),
                                    [&](const auto& weight) { return weight.first == parameter.name; });
    if (found == weights.end()) throw std::runtime_error("the checkpoint has no weight '" + parameter.name + "'");
    if (found->second.sizes() != parameter.tensor.sizes()) {
      throw std::runtime_error("checkpoint weight '" + parameter.name + "' has another shape than the objective's");
    }
    parameter.tensor.copy_(found->second);
  }
}

// Sums `values` over the ranks (in place); a single process keeps them.
void sum_over_ranks(ProcessGroup* group, std::vector<double>& values) {
  if (!group || values.empty()) return;
  at::Tensor sums = at::tensor(values, at::kDouble);
  group->all_reduce_sum(sums);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = sums[static_cast<std::int64_t>(i)].item<double>();
}

// Every rank starts from rank 0's weights, as DDP does: ranks that loaded or drew them
// differently cannot drift apart unnoticed.
void broadcast_from_rank_zero(ProcessGroup& group, const std::vector<TrainableParameter>& parameters) {
  torch::NoGradGuard no_grad;
  for (const TrainableParameter& parameter : parameters) {
    at::Tensor values = parameter.tensor.detach();
    group.broadcast(values, 0);
  }
}

}  // namespace

StageTrainer::StageTrainer(StageSettings settings, MultimodalModel& model, const Tokenizer& tokenizer,
                           std::vector<Objective*> objectives, std::vector<const Dataset*> datasets, StageRun run)
    : settings_(std::move(settings)),
      model_(model),
      tokenizer_(tokenizer),
      objectives_(std::move(objectives)),
      datasets_(std::move(datasets)),
      run_(std::move(run)) {
  if (objectives_.empty()) throw std::invalid_argument("stage '" + settings_.name + "' has no objectives");
  if (datasets_.empty()) throw std::invalid_argument("stage '" + settings_.name + "' has no datasets");
}

std::filesystem::path StageTrainer::save_checkpoint(const std::vector<TrainableParameter>& parameters,
                                                   std::vector<std::pair<std::string, at::Tensor>> optimizer_state,
                                                   bool sharded_optimizer, std::int64_t step, std::int64_t epoch,
                                                   std::size_t position, double loss) {
  ProcessGroup* const group = run_.data_parallel.group;
  if (sharded_optimizer) {
    // Every other rank's shard is on disk before rank 0 completes the checkpoint around them.
    if (group->rank() != 0) {
      write_optimizer_shard(run_.checkpoint_root, settings_.name, step, group->rank(), optimizer_state);
    }
    group->barrier();
  }
  if (group && group->rank() != 0) return {};
  TrainingCheckpoint checkpoint;
  checkpoint.stage = settings_.name;
  checkpoint.stage_index = static_cast<std::int64_t>(run_.stage_index);
  checkpoint.optimizer_step = step;
  checkpoint.epoch = epoch;
  checkpoint.micro_batches_in_epoch = static_cast<std::int64_t>(position);
  checkpoint.schedule_step = step;
  checkpoint.metrics = {{"loss", loss}};
  std::set<std::string> names(run_.carried_weights.begin(), run_.carried_weights.end());
  for (const TrainableParameter& parameter : parameters) names.insert(parameter.name);
  for (auto& [name, tensor] : named_model_parameters(model_)) {
    if (names.count(name)) checkpoint.weights.emplace_back(name, tensor.detach());
  }
  for (const TrainableParameter& parameter : parameters) {
    if (parameter.name.rfind(kObjectivePrefix, 0) == 0) checkpoint.weights.emplace_back(parameter.name, parameter.tensor.detach());
  }
  checkpoint.optimizer_state = std::move(optimizer_state);
  checkpoint.optimizer_shards = sharded_optimizer ? group->size() : 1;
  checkpoint.cpu_generator_state = at::detail::getDefaultCPUGenerator().get_state();
  if (run_.device.is_cuda()) {
    checkpoint.cuda_generator_state = at::globalContext().defaultGenerator(run_.device).get_state();
  }
  checkpoint.config_toml = run_.config_toml;
  const std::filesystem::path written = write_training_checkpoint(run_.checkpoint_root, checkpoint, static_cast<std::size_t>(settings_.keep_last));
  spdlog::info("checkpoint {}", written.string());
  return written;
}

StageSummary StageTrainer::run() {
  ProcessGroup* const group = run_.data_parallel.group;
  const std::size_t rank = group ? static_cast<std::size_t>(group->rank()) : 0;
  const std::size_t world_size = group ? static_cast<std::size_t>(group->size()) : 1;
  const BatchGeometry geometry =
      resolve_batch_geometry(settings_.global_batch_size, settings_.micro_batch_size, settings_.gradient_accumulation,
                             static_cast<std::int64_t>(world_size));
  const ObjectiveRequirements needs = union_of(objectives_);
  const std::unique_ptr<ChatTemplate> chat_template = ChatTemplate::create(settings_.chat_template);

  DataLoaderOptions loader_options;
  loader_options.micro_batch_size = static_cast<std::size_t>(geometry.micro_batch_size);
  loader_options.seed = run_.seed;
  loader_options.data_ratio = settings_.data_ratio;
  loader_options.group_by_modality_length = settings_.group_by_modality_length;
  loader_options.gradient_accumulation_steps = static_cast<std::size_t>(geometry.gradient_accumulation);
  loader_options.rank = rank;
  loader_options.world_size = world_size;
  loader_options.workers = static_cast<std::size_t>(settings_.workers);
  loader_options.pad_to_square = settings_.pad_to_square;
  loader_options.text_labels_in_vdep_mode = needs.text_labels_in_vdep_mode;
  loader_options.pin_memory = run_.device.is_cuda();
  DataLoader loader(datasets_, *chat_template, tokenizer_, model_.encoder().image_processor(), loader_options);

  const auto accumulation = static_cast<std::size_t>(geometry.gradient_accumulation);
  const auto steps_per_epoch =
      static_cast<std::int64_t>((loader.batches_per_epoch() + accumulation - 1) / accumulation);
  std::int64_t total_steps = steps_per_epoch * settings_.epochs;
  if (settings_.max_steps > 0) total_steps = std::min(total_steps, settings_.max_steps);
  if (total_steps < 1) throw std::invalid_argument("stage '" + settings_.name + "' has no data to train on");
  LearningRateSchedule schedule;
  schedule.shape = settings_.lr_schedule;
  schedule.peak = settings_.lr;
  schedule.total_steps = total_steps;
  schedule.warmup_steps = settings_.warmup_steps ? *settings_.warmup_steps
                                                 : warmup_steps_from_ratio(total_steps, settings_.warmup_ratio);

  ModelDimensions dimensions;
  dimensions.encoder_hidden_size = model_.encoder().hidden_size();
  dimensions.llm_hidden_size = model_.llm().hidden_size();
  dimensions.vocab_size = model_.llm().vocab_size();
  for (Objective* objective : objectives_) {
    objective->bind(dimensions);
    if (torch::nn::Module* module = objective->module()) module->to(run_.device);
  }
  std::vector<TrainableParameter> parameters = select_trainable_parameters(model_, settings_.train);
  const std::vector<TrainableParameter> own_parameters = objective_parameters(objectives_);
  parameters.insert(parameters.end(), own_parameters.begin(), own_parameters.end());
  if (parameters.empty()) throw std::invalid_argument("stage '" + settings_.name + "' trains no parameter");
  std::int64_t trained_values = 0;
  for (const auto& parameter : parameters) trained_values += parameter.tensor.numel();
  const bool llm_trains = std::any_of(parameters.begin(), parameters.end(), [](const TrainableParameter& p) {
    return p.name.rfind(kProjectorPrefix, 0) != 0 && p.name.rfind(kEncoderPrefix, 0) != 0 &&
           p.name.rfind(kObjectivePrefix, 0) != 0;
  });
  // Dropout (phi-2's resid_pdrop) belongs to training the LLM; a frozen LLM stays deterministic.
  model_.llm().module().train(llm_trains);
  model_.set_gradient_checkpointing(settings_.gradient_checkpointing);
  // Autocast follows the device the parameters are on.
  std::optional<AutocastState> autocast;
  if (settings_.precision == TrainingPrecision::Bf16Autocast) {
    autocast = AutocastState::current().enabled_on(parameters.front().tensor.device().type(), at::kBFloat16);
  }
  AdamWOptions optimizer_options;
  optimizer_options.beta1 = settings_.adam_beta1;
  optimizer_options.beta2 = settings_.adam_beta2;
  optimizer_options.eps = settings_.adam_epsilon;
  optimizer_options.weight_decay = settings_.weight_decay;
  if (group) broadcast_from_rank_zero(*group, parameters);
  // DDP: AdamW on every rank, gradients summed in buckets during backward. ZeRO-2: each rank's
  // shard of the gradients summed to it in buckets during every backward, the optimizer's state
  // and update sharded the same way.
  const bool zero2 = group && run_.data_parallel.strategy == DataParallelStrategy::Zero2;
  std::optional<AdamWOptimizer> optimizer;
  std::optional<ShardedAdamW> sharded_optimizer;
  std::optional<GradientReducer> reducer;
  std::optional<ShardedGradientReducer> sharded_reducer;
  if (zero2) {
    sharded_optimizer.emplace(*group, parameters, optimizer_options);
  } else {
    optimizer.emplace(parameters, optimizer_options);
  }
  if (group) {
    std::vector<at::Tensor> tensors;
    for (const TrainableParameter& parameter : parameters) tensors.push_back(parameter.tensor);
    if (zero2) {
      sharded_reducer.emplace(*group, std::move(tensors), run_.data_parallel.bucket_bytes);
    } else {
      reducer.emplace(*group, std::move(tensors), run_.data_parallel.bucket_bytes);
    }
  }
  const auto optimizer_state = [&] {
    return zero2 ? sharded_optimizer->state_tensors() : optimizer->state_tensors();
  };

  std::int64_t step = 0;
  std::int64_t first_epoch = 0;
  std::size_t first_position = 0;
  if (run_.resume) {
    if (run_.resume->stage != settings_.name) {
      throw std::invalid_argument("the checkpoint is of stage '" + run_.resume->stage + "', not '" + settings_.name + "'");
    }
    restore_objective_parameters(own_parameters, run_.resume->weights);
    const auto split = std::find_if(run_.resume->optimizer_state.begin(), run_.resume->optimizer_state.end(),
                                    [](const auto& tensor) { return tensor.first == "zero2.world_size"; });
    if (!zero2 && split != run_.resume->optimizer_state.end()) {
      throw std::invalid_argument("the checkpoint's optimizer state is split over " +
                                  std::to_string(split->second.item<std::int64_t>()) +
                                  " processes (strategy = \"zero2\"): resume it with as many processes and "
                                  "zero2, or start a new run from its weights with init_from");
    }
    if (zero2) {
      sharded_optimizer->load_state(read_optimizer_shard(run_.resume->folder, group->rank()));
    } else {
      optimizer->load_state(run_.resume->optimizer_state);
    }
    step = run_.resume->optimizer_step;
    first_epoch = run_.resume->epoch;
    first_position = static_cast<std::size_t>(run_.resume->micro_batches_in_epoch);
    at::Generator generator = at::detail::getDefaultCPUGenerator();
    generator.set_state(run_.resume->cpu_generator_state);
    // A checkpoint of a CPU run has no GPU generator to restore; a CPU run leaves a GPU's alone.
    if (run_.device.is_cuda() && run_.resume->cuda_generator_state.defined()) {
      at::Generator cuda_generator = at::globalContext().defaultGenerator(run_.device);
      cuda_generator.set_state(run_.resume->cuda_generator_state);
    }
    spdlog::info("stage '{}' resumes after step {} (epoch {}, micro-batch {})", settings_.name, step, first_epoch,
                 first_position);
  }

  spdlog::info("stage '{}': {} optimizer steps ({} per epoch x {} epoch(s){}), global batch {} = {} x {} x {} "
               "process(es); training {:.2f}M values ({}); lr {:g} {} with {} warmup steps",
               settings_.name, total_steps, steps_per_epoch, settings_.epochs,
               settings_.max_steps > 0 ? ", capped by max_steps" : "", geometry.global_batch_size(),
               geometry.micro_batch_size, geometry.gradient_accumulation, geometry.world_size, trained_values / 1e6,
               fmt::join(settings_.train, ", "), settings_.lr,
               settings_.lr_schedule == LearningRateShape::Cosine   ? "cosine"
               : settings_.lr_schedule == LearningRateShape::Linear ? "linear"
                                                                    : "constant",
               schedule.warmup_steps);

  std::ofstream metrics;
  if (!run_.metrics_file.empty()) {
    metrics.open(run_.metrics_file, std::ios::app);
    if (!metrics) throw std::runtime_error("cannot open " + run_.metrics_file.string() + " for writing");
  }

  StageSummary summary;
  const Clock::time_point stage_start = Clock::now();
  bool warned_unsupervised = false;
  for (std::int64_t epoch = first_epoch; epoch < settings_.epochs && step < total_steps; ++epoch) {
    loader.start_epoch(static_cast<std::uint64_t>(epoch), epoch == first_epoch ? first_position : 0);
    while (step < total_steps) {
      const Clock::time_point step_start = Clock::now();
      const double wait_before = loader.total_wait_seconds();
      std::vector<CollatedBatch> micro_batches;
      while (micro_batches.size() < accumulation) {
        std::optional<CollatedBatch> batch = loader.next();
        if (!batch) break;
        // From pinned memory the copy to a GPU is queued without waiting for it: this thread goes on
        // to fetch and plan the step's other micro-batches meanwhile.
        move_to_device(*batch, run_.device);
        micro_batches.push_back(std::move(*batch));
      }
      if (micro_batches.empty()) break;

      // The objectives normalise by the whole step's counts, so every token weighs the same
      // whichever micro-batch it is in.
      double supervised = 0, vdep_tokens = 0, positions = 0;
      std::int64_t samples = 0;
      std::vector<SpliceLayout> layouts;
      for (const CollatedBatch& batch : micro_batches) {
        const SpliceLayout& layout = layouts.emplace_back(model_.plan(batch));
        supervised += static_cast<double>(layout.supervised_targets());
        vdep_tokens += static_cast<double>(layout.vdep_image_tokens());
        for (const std::int64_t real : layout.attention_mask) positions += static_cast<double>(real);
        samples += static_cast<std::int64_t>(batch.size());
      }

      // The objectives normalise by the global batch's counts: every rank's, summed.
      std::vector<double> counts{supervised, vdep_tokens, positions, static_cast<double>(samples)};
      sum_over_ranks(group, counts);
      supervised = counts[0];
      vdep_tokens = counts[1];
      positions = counts[2];
      samples = static_cast<std::int64_t>(counts[3]);

      if (supervised == 0 && needs.logits && !warned_unsupervised) {
        spdlog::warn("{} step {}: no supervised token in the whole batch (is max_length {} cutting every answer?)",
                     settings_.name, step + 1, settings_.max_length);
        warned_unsupervised = true;
      }

      StepTerms terms;
      double loss = 0;
      double communication_wait = 0;
      for (std::size_t micro = 0; micro < micro_batches.size(); ++micro) {
        at::Tensor total;
        {
          // The backward stays outside, as torch's AMP recipe has it: its ops follow the forward's dtypes.
          std::optional<AutocastGuard> autocast_region;
          if (autocast) autocast_region.emplace(*autocast);
          ObjectiveBatch outputs = model_.forward(micro_batches[micro], layouts[micro], needs);
          outputs.supervised_tokens_in_global_batch = supervised;
          outputs.vdep_image_tokens_in_global_batch = vdep_tokens;
          outputs.samples_in_global_batch = static_cast<double>(samples);
          for (Objective* objective : objectives_) {
            ObjectiveTerms computed = objective->compute(outputs);
            for (const auto& [name, value] : computed.terms) terms.add(name, value.item<double>());
            // The objectives reduce in fp32 (the lm objective upcasts the logits); the sum of the
            // terms is kept fp32 whatever an objective returns.
            const at::Tensor term = computed.total.to(at::kFloat);
            total = total.defined() ? total + term : term;
          }
        }
        loss += total.item<double>();
        if (reducer) reducer->prepare_backward(micro + 1 == micro_batches.size());
        // ZeRO-2 reduces every backward's gradients to their owners and frees them.
        if (sharded_reducer) sharded_reducer->prepare_backward();
        if (total.requires_grad()) total.backward();
        if (sharded_reducer) {
          sharded_reducer->finish();
          communication_wait += sharded_reducer->last_wait_seconds();
        }
      }
      if (reducer) {
        reducer->finish();
        communication_wait = reducer->last_wait_seconds();
      }
      if (group) {
        // Each rank's loss is its share of the global batch's (normalised by global counts).
        std::vector<double> totals{loss};
        for (const auto& term : terms.values) totals.push_back(term.second);
        sum_over_ranks(group, totals);
        loss = totals[0];
        for (std::size_t i = 0; i < terms.values.size(); ++i) terms.values[i].second = totals[i + 1];
      }

      // max_grad_norm 0 turns clipping off; the norm is still logged.
      const double lr = schedule.at(step);
      double grad_norm = 0;
      if (zero2) {
        const auto exchange_start = Clock::now();
        grad_norm = sharded_optimizer->step(*sharded_reducer, lr, settings_.max_grad_norm);
        communication_wait += seconds_between(exchange_start, Clock::now());
        sharded_optimizer->zero_grad();
      } else {
        grad_norm = clip_grad_norm(parameters, settings_.max_grad_norm > 0 ? settings_.max_grad_norm
                                                                           : std::numeric_limits<double>::infinity());
        optimizer->step(lr);
        optimizer->zero_grad();
      }
      ++step;

      const Clock::time_point now = Clock::now();
      const double step_seconds = seconds_between(step_start, now);
      const double waited = loader.total_wait_seconds() - wait_before;
      const double elapsed = seconds_between(stage_start, now);
      summary.samples += samples;
      summary.losses.push_back(loss);
      if (step == 1) summary.first_loss = loss;
      summary.last_loss = loss;

      std::vector<std::pair<std::string, double>> scores;
      if (run_.evaluate && settings_.eval_every > 0 && step % settings_.eval_every == 0) {
        scores = run_.evaluate();
        std::string text;
        for (const auto& [name, value] : scores) text += fmt::format(" {} {:.3f}", name, value);
        spdlog::info("{} step {} evaluation:{}", settings_.name, step, text);
      }
      if (metrics.is_open()) {
        nlohmann::ordered_json line{{"stage", settings_.name}, {"step", step}, {"epoch", epoch}, {"loss", loss}};
        for (const auto& [name, value] : scores) line["eval_" + name] = value;
        for (const auto& [name, value] : terms.values) line[name] = value;
        line["lr"] = lr;
        line["grad_norm"] = grad_norm;
        line["tokens_per_s"] = positions / step_seconds;
        line["samples_per_s"] = samples / step_seconds;
        line["step_s"] = step_seconds;
        line["data_wait_s"] = waited;
        if (group) line["communication_wait_s"] = communication_wait;
        line["peak_memory_mib"] = peak_resident_mib();
        if (run_.device.is_cuda()) line["peak_device_memory_mib"] = peak_cuda_allocated_mib(run_.device.index());
        metrics << line.dump() << '\n';
        metrics.flush();
      }
      if (!run_.checkpoint_root.empty() &&
          ((settings_.save_every > 0 && step % settings_.save_every == 0) || step == total_steps)) {
        summary.last_checkpoint =
            save_checkpoint(parameters, optimizer_state(), zero2, step, epoch, loader.position(), loss);
      }
      if (step % settings_.log_every == 0 || step == total_steps) {
        std::string term_text;
        for (const auto& [name, value] : terms.values) term_text += fmt::format(" {} {:.4f}", name, value);
        spdlog::info("{} step {}/{} loss {:.4f} ({}) lr {:.3g} |g| {:.3g} {:.0f} tok/s, data wait {:.0f} ms, ETA {}",
                     settings_.name, step, total_steps, loss, term_text.empty() ? "" : term_text.substr(1), lr,
                     grad_norm, positions / step_seconds, 1e3 * waited,
                     duration_text(elapsed / static_cast<double>(step) * static_cast<double>(total_steps - step)));
      }
    }
  }
  summary.steps = step;
  for (const TrainableParameter& parameter : parameters) summary.trained_weights.push_back(parameter.name);
  summary.seconds = seconds_between(stage_start, Clock::now());
  summary.data_wait_seconds = loader.total_wait_seconds();
  summary.data_report = loader.report().format();
  if (run_.resume && summary.losses.empty()) {
    // Resumed from this stage's last checkpoint: nothing was left to train.
    spdlog::info("stage '{}' was complete at the checkpoint (step {})", settings_.name, summary.steps);
    return summary;
  }
  const std::string device_memory =
      run_.device.is_cuda()
          ? fmt::format(", {:.0f} MiB on {}", peak_cuda_allocated_mib(run_.device.index()), run_.device.str())
          : "";
  spdlog::info("stage '{}' done: {} steps, {} samples in {} ({:.1f} samples/s, {:.1f}% of it waiting for data); "
               "loss {:.4f} → {:.4f}; peak memory {:.0f} MiB{}",
               settings_.name, summary.steps, summary.samples, duration_text(summary.seconds),
               summary.samples / std::max(summary.seconds, 1e-9),
               100.0 * summary.data_wait_seconds / std::max(summary.seconds, 1e-9), summary.first_loss,
               summary.last_loss, peak_resident_mib(), device_memory);
  spdlog::info("{}", summary.data_report);
  return summary;
}

}  // namespace vdep
