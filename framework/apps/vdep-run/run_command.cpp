// `vdep-run EXPERIMENT.toml`: sets up the run folder and logging, builds the model from the
// experiment's encoder, llm and projector, then trains its stages in order.
#include <chrono>

#include <spdlog/spdlog.h>

#include <torch/cuda.h>
#include <torch/torch.h>

#include <vdep/chat_template.h>
#include <vdep/dataset.h>
#include <vdep/encoder.h>
#include <vdep/llm.h>
#include <vdep/objective.h>
#include <vdep/tokenizer.h>
#include <vdep/version.h>

#include "commands.h"
#include "config/config_error.h"
#include "config/experiment_loader.h"
#include "config/toml_writer.h"
#include "config/experiment_schema.h"
#include "config/value_origin.h"
#include "dist/distributed_environment.h"
#include "dist/process_group.h"
#include "run/compute_device.h"
#include "run/cuda_device.h"
#include "run/experiment_setup.h"
#include "run/logging.h"
#include "run/run_directory.h"
#include "run/tokenizer_training.h"
#include "model/multimodal_model.h"
#include "model/projector.h"
#include "eval/qa_evaluation.h"
#include "eval/qa_report.h"
#include "train/stage_settings.h"
#include "train/stage_trainer.h"
#include "train/trainable_parameters.h"
#include "train/training_checkpoint.h"
#include "usage_error.h"

namespace vdep {

namespace {

template <class T = Component>
std::unique_ptr<T> create_from_block(const PluginRegistry& plugins, PluginKind kind, const toml::table& block) {
  const std::string name = block["plugin"].value_or(std::string());
  const LoadedPlugin& plugin = plugins.get(kind, name);
  auto component = plugins.create_as<T>(kind, name, plugin_params(block, *plugin.info));
  spdlog::info("  {} '{}' {} ({})", to_string(kind), name, plugin.info->version, plugin.file.string());
  return component;
}

struct StageComponents {
  StageSettings settings;
  std::vector<std::unique_ptr<Objective>> objectives;
  std::vector<std::unique_ptr<Dataset>> datasets;
};

// A SentencePiece model trained on the stages' text into the run folder ([tokenizer_training]);
// a resumed run, and every rank but 0, reads the one trained before.
std::unique_ptr<Tokenizer> trained_tokenizer(const toml::table& training, const std::filesystem::path& run_root,
                                             const std::vector<StageComponents>& stages, bool trained_before) {
  const std::filesystem::path path = run_root / "tokenizer.model";
  if (trained_before) {
    if (!std::filesystem::exists(path)) throw std::runtime_error("the run has no " + path.string());
    spdlog::info("  tokenizer: {} (trained before)", path.string());
    return load_tokenizer(path);
  }
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::string> lines;
  for (const StageComponents& stage : stages) {
    const std::unique_ptr<ChatTemplate> chat_template = ChatTemplate::create(stage.settings.chat_template);
    for (const auto& dataset : stage.datasets) {
      std::vector<std::string> text = rendered_text_lines(*dataset, *chat_template);
      lines.insert(lines.end(), std::make_move_iterator(text.begin()), std::make_move_iterator(text.end()));
    }
  }
  TokenizerTrainingOptions options;
  options.vocab_size = training["vocab_size"].value_or(std::int64_t{512});
  options.model_type = training["model_type"].value_or(std::string("bpe"));
  const std::int64_t pieces = train_sentencepiece_tokenizer(lines, options, path);
  spdlog::info("  tokenizer: SentencePiece {} model of {} pieces trained on {} lines of the stages' text in {:.1f} s "
               "→ {}",
               options.model_type, pieces, lines.size(),
               std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), path.string());
  return load_tokenizer(path);
}

// The experiment's `tokenizer`, one trained for it, else the llm's weights folder (an HF download
// holds both).
std::unique_ptr<Tokenizer> experiment_tokenizer(const toml::table& config, const std::filesystem::path& run_root,
                                                const std::vector<StageComponents>& stages, bool trained_before) {
  if (const toml::table* training = config["tokenizer_training"].as_table()) {
    return trained_tokenizer(*training, run_root, stages, trained_before);
  }
  if (const auto path = config["tokenizer"].value<std::string>()) return load_tokenizer(*path);
  const std::string weights = config["llm"]["weights"].value_or(std::string());
  if (weights.empty()) {
    throw UsageError("training needs a tokenizer: set `tokenizer = PATH`, add [tokenizer_training], or give the llm "
                     "`weights`, a folder holding one");
  }
  return load_tokenizer(weights);
}

// The checkpoint --resume names, or the run's latest. Checkpoints after it would be overwritten by
// the resumed run's own: refuse rather than lose them.
std::filesystem::path resume_point(const CommandLine& line, const std::filesystem::path& checkpoint_root) {
  if (line.resume_from.empty()) {
    const std::optional<std::filesystem::path> latest = latest_training_checkpoint(checkpoint_root);
    if (!latest) throw UsageError("nothing to resume: no checkpoint in " + checkpoint_root.string());
    return *latest;
  }
  if (!std::filesystem::is_directory(line.resume_from)) {
    throw UsageError("checkpoint not found: " + line.resume_from.string());
  }
  const std::optional<std::filesystem::path> latest = latest_training_checkpoint(checkpoint_root);
  if (latest && std::filesystem::equivalent(line.resume_from.parent_path(), checkpoint_root) &&
      !std::filesystem::equivalent(*latest, line.resume_from)) {
    throw UsageError("later checkpoints than " + line.resume_from.filename().string() + " exist (the latest is " +
                     latest->filename().string() + "): move them out of " + checkpoint_root.string() +
                     " to resume from an earlier one");
  }
  return line.resume_from;
}

// The held-out QA of [evaluation], with the image preprocessing `stage` trains with.
QaScores evaluate(MultimodalModel& model, const Tokenizer& tokenizer, const toml::table& evaluation,
                  const StageSettings& stage) {
  const std::filesystem::path questions = evaluation["questions"].value_or(std::string());
  QaEvaluationOptions options;
  options.max_new_tokens = evaluation["max_new_tokens"].value_or(std::int64_t{8});
  options.limit = static_cast<std::size_t>(evaluation["limit"].value_or(std::int64_t{0}));
  options.pad_to_square = stage.pad_to_square;
  return evaluate_qa(model, tokenizer, evaluation["template"].value_or(std::string("vicuna_v1")), questions,
                     evaluation["image_folder"].value_or(questions.parent_path().string()), options);
}

// Where a launcher (vdep-run --nproc-per-node, torchrun, srun) placed this process; nullopt for a
// single process.
std::optional<DistributedEnvironment> launched_environment() {
  try {
    return read_distributed_environment();
  } catch (const std::invalid_argument& error) {
    throw UsageError(std::string("multi-process launch: ") + error.what());
  }
}

// The experiment's `device` for the process of `local_rank`. A setting this machine cannot honour
// is the experiment's error, reported at the key.
c10::Device experiment_device(const Experiment& experiment, int local_rank) {
  const auto setting = experiment.config["device"];
  try {
    return compute_device(parse_device_setting(setting.value_or(std::string("auto"))), local_rank,
                          static_cast<int>(torch::cuda::device_count()));
  } catch (const std::invalid_argument& error) {
    const toml::source_region region = setting.node() ? setting.node()->source() : toml::source_region{};
    throw ConfigError(diagnostic_at(region, "device", error.what(), experiment.file.string()));
  }
}

// The group of the processes a launcher started; null for a single process.
std::unique_ptr<ProcessGroup> join_process_group(const toml::table& config,
                                                 const std::optional<DistributedEnvironment>& environment,
                                                 const c10::Device& device) {
  if (!environment) return nullptr;
  const toml::table& distributed = *config["distributed"].as_table();
  const CommunicationBackend backend =
      parse_communication_backend(distributed["backend"].value_or(std::string("auto")));
  const std::chrono::seconds timeout(distributed["timeout_s"].value_or(std::int64_t{1800}));
  std::unique_ptr<ProcessGroup> group = ProcessGroup::connect(*environment, backend, device.is_cuda(), timeout);
  spdlog::info("process group: rank {} of {} ({} variables), {} backend, rendezvous at {}:{}", group->rank(),
               group->size(), environment->launcher, group->backend_name(), environment->master_addr,
               environment->master_port);
  return group;
}

// Rank 0 goes first through a part of the setup that writes files (generated datasets, a trained
// tokenizer), the other ranks after it, reading them: each rank passes one barrier, the others
// before their part and rank 0 after its own.
void wait_for_rank_zero(ProcessGroup* group) {
  if (group && group->rank() != 0) group->barrier();
}
void release_other_ranks(ProcessGroup* group) {
  if (group && group->rank() == 0) group->barrier();
}

}  // namespace

int run_experiment_command(const CommandLine& line) {
  const Experiment experiment = open_experiment(experiment_request(line, true));

  const std::string name = experiment.config["name"].value_or(std::string());
  const std::string output_dir = experiment.config["output_dir"].value_or(std::string("runs"));
  const std::optional<DistributedEnvironment> environment = launched_environment();
  const c10::Device device = experiment_device(experiment, environment ? environment->local_rank : 0);
  // Before NCCL creates its communicator, which takes the current device for its own.
  if (device.is_cuda()) select_cuda_device(device.index());
  const std::unique_ptr<ProcessGroup> group = join_process_group(experiment.config, environment, device);
  const bool writer = !group || group->rank() == 0;
  // Rank 0 alone writes the run folder and its log; the others log warnings and errors only, which
  // the launcher prefixes with their rank.
  const RunDirectory run = writer ? prepare_run_directory(output_dir, name, to_toml_string(experiment.config))
                                  : run_directory_of(output_dir, name);
  if (writer) {
    configure_logging(line.log_level, run.log_file);
  } else {
    configure_logging("warn", std::nullopt);
  }

  spdlog::info("vdep {} (LibTorch {}, {}): experiment '{}' from {}", kVersion, kTorchVersion,
               kCompilerId, name, std::filesystem::absolute(experiment.file).string());
  spdlog::info("run folder {}", run.root.string());
  spdlog::info("device {}", device.str());
  for (const auto& folder : experiment.plugin_folders) {
    spdlog::debug("plugin folder {} ({})", folder.path.string(), folder.origin);
  }

  const toml::array* stages = experiment.config["stage"].as_array();
  if (!stages || stages->empty()) {
    for (const auto& [key, kind] : {std::pair{"encoder", PluginKind::Encoder}, std::pair{"llm", PluginKind::Llm}}) {
      if (const toml::table* block = experiment.config[key].as_table()) create_from_block(experiment.plugins, kind, *block);
    }
    spdlog::warn("the experiment has no [[stage]]: its components are built, nothing is trained");
    return 0;
  }
  // Every stage's objectives and datasets first: a plugin's bad parameters fail the run before
  // minutes go into loading a 7B LLM.
  std::vector<StageComponents> stage_components;
  wait_for_rank_zero(group.get());
  for (const auto& stage_node : *stages) {
    const toml::table& stage = *stage_node.as_table();  // validation guarantees tables here
    StageComponents& components = stage_components.emplace_back();
    components.settings = StageSettings::from_table(stage);
    spdlog::info("stage '{}':", components.settings.name);
    for (const auto& block : *stage["objectives"].as_array()) {
      components.objectives.push_back(
          create_from_block<Objective>(experiment.plugins, PluginKind::Objective, *block.as_table()));
    }
    for (const auto& block : *stage["datasets"].as_array()) {
      components.datasets.push_back(
          create_from_block<Dataset>(experiment.plugins, PluginKind::Dataset, *block.as_table()));
      spdlog::info("    {}", components.datasets.back()->describe());
    }
  }
  release_other_ranks(group.get());

  const std::filesystem::path checkpoint_root = run.root / "checkpoints";
  if (!line.resume) {
    // Refused before the model loads, rather than at the first checkpoint after a stage's training.
    if (const auto latest = latest_training_checkpoint(checkpoint_root)) {
      throw UsageError(run.root.string() + " already holds checkpoints (the latest is " +
                       latest->filename().string() + "): add --resume to continue that run, or give this one "
                       "another name (--set name=...) or output_dir");
    }
  }

  for (const char* key : {"encoder", "llm"}) {
    if (!experiment.config[key].as_table()) {
      throw UsageError(experiment.file.string() + ": training needs an [" + key + "] block");
    }
  }
  if (experiment.config["tokenizer_training"].as_table() && experiment.config["tokenizer"].value<std::string>()) {
    throw UsageError(experiment.file.string() + ": give either `tokenizer` or [tokenizer_training], not both");
  }
  const auto seed = static_cast<std::uint64_t>(experiment.config["seed"].value_or(std::int64_t{0}));
  torch::manual_seed(seed);
  const std::unique_ptr<Encoder> encoder =
      create_from_block<Encoder>(experiment.plugins, PluginKind::Encoder, *experiment.config["encoder"].as_table());
  const std::unique_ptr<Llm> llm =
      create_from_block<Llm>(experiment.plugins, PluginKind::Llm, *experiment.config["llm"].as_table());
  wait_for_rank_zero(group.get());
  const std::unique_ptr<Tokenizer> tokenizer =
      experiment_tokenizer(experiment.config, run.root, stage_components, line.resume || !writer);
  release_other_ranks(group.get());
  spdlog::info("  tokenizer: {} tokens", tokenizer->vocab_size());
  if (tokenizer->vocab_size() > llm->vocab_size()) {
    throw UsageError("the tokenizer has " + std::to_string(tokenizer->vocab_size()) + " tokens but the llm only " +
                     std::to_string(llm->vocab_size()) + " embedding rows");
  }
  // Plugins that draw random weights seed the global generator themselves: the projector's
  // initialisation follows the experiment's seed again.
  torch::manual_seed(seed);
  const ProjectorSpec projector_spec =
      ProjectorSpec::parse(experiment.config["projector"]["type"].value_or(std::string("mlp2x_gelu")));
  Projector projector(projector_spec, encoder->hidden_size(), llm->hidden_size());
  if (const auto weights = experiment.config["projector"]["weights"].value<std::string>()) {
    load_projector_weights(projector, *weights);
    spdlog::info("  projector {} from {}", projector_spec.name(), *weights);
  } else {
    spdlog::info("  projector {} ({} -> {}), initialised at random", projector_spec.name(), encoder->hidden_size(),
                 llm->hidden_size());
  }
  MultimodalModel model(*encoder, *llm, projector);
  // Before any weights are restored into it (they are copied into the parameters where these are)
  // and before a stage's optimizer is made from its parameters.
  model.to(device);

  std::optional<TrainingCheckpoint> resume;
  std::vector<std::string> carried_weights;
  if (line.resume) {
    resume = read_training_checkpoint(resume_point(line, checkpoint_root));
    const auto index = static_cast<std::size_t>(resume->stage_index);
    if (index >= stage_components.size() || stage_components[index].settings.name != resume->stage) {
      throw UsageError("the checkpoint is of stage '" + resume->stage + "' (number " + std::to_string(index + 1) +
                       "), which this experiment does not have in that place");
    }
    // The objectives' own weights are the resumed stage's to restore.
    std::vector<std::pair<std::string, at::Tensor>> model_weights;
    for (const auto& weight : resume->weights) {
      if (weight.first.rfind(kObjectivePrefix, 0) != 0) model_weights.push_back(weight);
    }
    restore_named_parameters(model, model_weights);
    for (const auto& weight : model_weights) carried_weights.push_back(weight.first);
    spdlog::info("resuming from {}: {} weights restored", line.resume_from.empty() ? "the latest checkpoint"
                                                                                    : line.resume_from.string(),
                 resume->weights.size());
  }

  DataParallel data_parallel;
  data_parallel.group = group.get();
  if (group) {
    const toml::table& distributed = *experiment.config["distributed"].as_table();
    data_parallel.strategy = distributed["strategy"].value_or(std::string("ddp")) == "zero2"
                                 ? DataParallelStrategy::Zero2
                                 : DataParallelStrategy::Ddp;
    data_parallel.bucket_bytes =
        static_cast<std::size_t>(distributed["bucket_mb"].value_or(25.0) * 1024.0 * 1024.0);
  }

  // Each stage starts from the weights the previous one left (LLaVA's --pretrain_mm_mlp_adapter).
  for (std::size_t index = 0; index < stage_components.size(); ++index) {
    const StageComponents& stage = stage_components[index];
    if (resume && index < static_cast<std::size_t>(resume->stage_index)) {
      spdlog::info("stage '{}': done before the checkpoint", stage.settings.name);
      continue;
    }
    const bool resumes_here = resume && index == static_cast<std::size_t>(resume->stage_index);
    if (stage.settings.init_from && !resumes_here) {
      const std::vector<std::string> loaded = load_named_parameters(model, *stage.settings.init_from);
      spdlog::info("stage '{}' starts from {} ({} weights)", stage.settings.name, *stage.settings.init_from,
                   loaded.size());
      carried_weights.insert(carried_weights.end(), loaded.begin(), loaded.end());
    }
    std::vector<Objective*> objectives;
    for (const auto& objective : stage.objectives) objectives.push_back(objective.get());
    std::vector<const Dataset*> datasets;
    for (const auto& dataset : stage.datasets) datasets.push_back(dataset.get());
    model.set_max_length(stage.settings.max_length);
    StageRun stage_run;
    stage_run.seed = seed;
    stage_run.device = device;
    stage_run.data_parallel = data_parallel;
    if (writer) stage_run.metrics_file = run.root / "metrics.jsonl";
    stage_run.checkpoint_root = checkpoint_root;
    stage_run.stage_index = index;
    stage_run.config_toml = to_toml_string(experiment.config);
    stage_run.carried_weights = carried_weights;
    if (resumes_here) stage_run.resume = &*resume;
    const toml::table* evaluation = experiment.config["evaluation"].as_table();
    if (evaluation && writer) {
      stage_run.evaluate = [&model, &tokenizer, evaluation, &stage] {
        const QaScores scores = evaluate(model, *tokenizer, *evaluation, stage.settings);
        std::vector<std::pair<std::string, double>> named = {{"accuracy", scores.overall.accuracy()}};
        for (const CategoryScore& category : scores.categories) named.emplace_back(category.category, category.accuracy());
        return named;
      };
    } else if (!evaluation && stage.settings.eval_every > 0) {
      throw UsageError("stage '" + stage.settings.name + "' sets eval_every but the experiment has no [evaluation]");
    }
    const StageSummary summary = StageTrainer(stage.settings, model, *tokenizer, objectives, datasets, stage_run).run();
    carried_weights.insert(carried_weights.end(), summary.trained_weights.begin(), summary.trained_weights.end());
  }

  const toml::table* evaluation = experiment.config["evaluation"].as_table();
  if (evaluation && writer) {
    spdlog::info("evaluation on {}", (*evaluation)["questions"].value_or(std::string()));
    const QaScores scores = evaluate(model, *tokenizer, *evaluation, stage_components.back().settings);
    write_qa_scores(run.root / "eval.json", scores);
    write_qa_answers(run.root / "eval_answers.jsonl", scores);
    spdlog::info("evaluation written to {} (every answer in eval_answers.jsonl):\n{}",
                 (run.root / "eval.json").string(), format_qa_table(scores));
  }
  if (group) group->close();
  return 0;
}

}  // namespace vdep
