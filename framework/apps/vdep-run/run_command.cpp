// `vdep-run EXPERIMENT.toml`: sets up the run folder and logging, builds the model from the
// experiment's encoder, llm and projector, then trains its stages in order.
#include <spdlog/spdlog.h>

#include <torch/torch.h>

#include <vdep/dataset.h>
#include <vdep/encoder.h>
#include <vdep/llm.h>
#include <vdep/objective.h>
#include <vdep/tokenizer.h>
#include <vdep/version.h>

#include "commands.h"
#include "config/experiment_loader.h"
#include "config/toml_writer.h"
#include "config/experiment_schema.h"
#include "run/experiment_setup.h"
#include "run/logging.h"
#include "run/run_directory.h"
#include "model/multimodal_model.h"
#include "model/projector.h"
#include "train/stage_settings.h"
#include "train/stage_trainer.h"
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

// The experiment's `tokenizer`, else the llm's weights folder (an HF download holds both).
std::unique_ptr<Tokenizer> experiment_tokenizer(const toml::table& config) {
  if (const auto path = config["tokenizer"].value<std::string>()) return load_tokenizer(*path);
  const std::string weights = config["llm"]["weights"].value_or(std::string());
  if (weights.empty()) {
    throw UsageError("training needs a tokenizer: set `tokenizer = PATH` (or give the llm `weights`, a folder "
                     "holding one)");
  }
  return load_tokenizer(weights);
}

}  // namespace

int run_experiment_command(const CommandLine& line) {
  const Experiment experiment = open_experiment(experiment_request(line, true));

  const std::string name = experiment.config["name"].value_or(std::string());
  const std::string output_dir = experiment.config["output_dir"].value_or(std::string("runs"));
  const RunDirectory run = prepare_run_directory(output_dir, name, to_toml_string(experiment.config));
  configure_logging(line.log_level, run.log_file);

  spdlog::info("vdep {} (LibTorch {}, {}): experiment '{}' from {}", kVersion, kTorchVersion,
               kCompilerId, name, std::filesystem::absolute(experiment.file).string());
  spdlog::info("run folder {}", run.root.string());
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
  struct StageComponents {
    StageSettings settings;
    std::vector<std::unique_ptr<Objective>> objectives;
    std::vector<std::unique_ptr<Dataset>> datasets;
  };
  std::vector<StageComponents> stage_components;
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

  for (const char* key : {"encoder", "llm"}) {
    if (!experiment.config[key].as_table()) {
      throw UsageError(experiment.file.string() + ": training needs an [" + key + "] block");
    }
  }
  torch::manual_seed(experiment.config["seed"].value_or(std::int64_t{0}));
  const std::unique_ptr<Encoder> encoder =
      create_from_block<Encoder>(experiment.plugins, PluginKind::Encoder, *experiment.config["encoder"].as_table());
  const std::unique_ptr<Llm> llm =
      create_from_block<Llm>(experiment.plugins, PluginKind::Llm, *experiment.config["llm"].as_table());
  const std::unique_ptr<Tokenizer> tokenizer = experiment_tokenizer(experiment.config);
  spdlog::info("  tokenizer: {} tokens", tokenizer->vocab_size());
  if (tokenizer->vocab_size() > llm->vocab_size()) {
    throw UsageError("the tokenizer has " + std::to_string(tokenizer->vocab_size()) + " tokens but the llm only " +
                     std::to_string(llm->vocab_size()) + " embedding rows");
  }
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

  const auto seed = static_cast<std::uint64_t>(experiment.config["seed"].value_or(std::int64_t{0}));
  // Each stage starts from the weights the previous one left (LLaVA's --pretrain_mm_mlp_adapter).
  for (const StageComponents& stage : stage_components) {
    std::vector<Objective*> objectives;
    for (const auto& objective : stage.objectives) objectives.push_back(objective.get());
    std::vector<const Dataset*> datasets;
    for (const auto& dataset : stage.datasets) datasets.push_back(dataset.get());
    model.set_max_length(stage.settings.max_length);
    StageRun stage_run;
    stage_run.seed = seed;
    stage_run.metrics_file = run.root / "metrics.jsonl";
    StageTrainer(stage.settings, model, *tokenizer, objectives, datasets, stage_run).run();
  }
  return 0;
}

}  // namespace vdep
