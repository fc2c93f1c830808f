#include "config/experiment_schema.h"

#include <algorithm>
#include <string>
#include <string_view>

namespace vdep {

namespace {

// The name becomes a folder name: keep it to characters that are safe in every file system and
// shell, and away from the two names that mean other folders.
std::string folder_name_problem(std::string_view name) {
  const bool safe = !name.empty() && name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                            "abcdefghijklmnopqrstuvwxyz"
                                                            "0123456789._-") == std::string_view::npos;
  if (safe && name != "." && name != "..") return "";
  return "must be a folder name made of letters, digits, '.', '_' and '-' (got '" +
         std::string(name) + "')";
}

}  // namespace

const std::vector<FieldSchema>& experiment_schema() {
  static const std::vector<FieldSchema> schema = {
      optional_field("name", FieldType::String,
                     "Name of the experiment and of its run folders. Default: the experiment "
                     "file's name without its extension.")
          .checked_by(folder_name_problem),
      default_field("seed", FieldType::Int, "0", "Seed of every random number generator.")
          .at_least(0),
      default_field("output_dir", FieldType::String, "'runs'",
                    "Folder in which each run gets its own folder. A relative path is relative "
                    "to the current directory of vdep-run, not to this file, so that the same "
                    "experiment can write where it is run."),
      default_field("device", FieldType::String, "'auto'",
                    "Where training and evaluation compute: cpu, cuda, or auto (CUDA when LibTorch sees a GPU, "
                    "else the CPU). On CUDA each process takes the GPU of its LOCAL_RANK (GPU 0 when it runs "
                    "alone), batches are copied there from pinned memory, precision = \"bf16\" autocasts on it "
                    "and [distributed] backend = \"auto\" means NCCL. cuda is an error where no GPU is visible or "
                    "this LibTorch has no CUDA.")
          .one_of({"auto", "cpu", "cuda"}),
      table_field("plugins", "Where to find plugins besides the bundled ones.",
                  {
                      default_field("paths", FieldType::PathList, "[]",
                                    "Folders searched for plugins before the bundled ones."),
                  }),
      plugin_block_field("encoder", PluginKind::Encoder, "The vision encoder."),
      plugin_block_field("llm", PluginKind::Llm, "The language model."),
      optional_field("tokenizer", FieldType::Path,
                     "The LLM's tokenizer: an HF model folder, a tokenizer.model or a vocab.json. "
                     "Default: the llm's weights folder."),
      optional_table_field(
          "tokenizer_training",
          "Train a SentencePiece tokenizer for the experiment instead of naming one (a toy LLM trained from "
          "scratch): on the text of every stage's datasets, rendered with the stage's chat template, before "
          "the first stage. It is written to runs/<name>/tokenizer.model (and reused from there by --resume). "
          "Not together with `tokenizer`.",
          {
              default_field("vocab_size", FieldType::Int, "512",
                            "Pieces, control tokens included (at most: a small corpus may yield fewer). The llm "
                            "needs at least as many embedding rows.")
                  .at_least(8),
              default_field("model_type", FieldType::String, "'bpe'",
                            "SentencePiece's algorithm: bpe (LLaMA's) or unigram. On a small corpus unigram keeps few "
                            "pieces besides the 256 byte pieces, and splits common words into letters.")
                  .one_of({"unigram", "bpe"}),
          }),
      table_field("projector", "The projector from encoder features to LLM embeddings.",
                  {
                      default_field("type", FieldType::String, "'mlp2x_gelu'",
                                    "linear, mlpNx_gelu (LLaVA-1.5: mlp2x_gelu) or identity."),
                      optional_field("weights", FieldType::Path,
                                     "Start from these projector weights (LLaVA's mm_projector.bin, or a "
                                     "checkpoint holding model.mm_projector.*)."),
                  }),
      table_field(
          "distributed",
          "Training on several processes: `vdep-run --nproc-per-node N`, torchrun or srun start them, and the "
          "launcher's variables (RANK, WORLD_SIZE, MASTER_ADDR, ... or Slurm's) say where each one sits. A single "
          "process ignores this table.",
          {
              default_field("strategy", FieldType::String, "'ddp'",
                            "ddp: every process holds the whole optimizer state and gradients are summed across "
                            "processes in buckets while backward runs. zero2: AdamW's moments and fp32 master "
                            "weights are split across processes, gradients reduce-scattered and the updated "
                            "weights all-gathered (DeepSpeed's ZeRO stage 2, what the paper trains with).")
                  .one_of({"ddp", "zero2"}),
              default_field("backend", FieldType::String, "'auto'",
                            "c10d backend: auto (NCCL for CUDA, Gloo on CPU), gloo or nccl.")
                  .one_of({"auto", "gloo", "nccl"}),
              default_field("timeout_s", FieldType::Int, "1800",
                            "Seconds a process waits for the others, to join and at each collective, before it "
                            "fails the run.")
                  .at_least(1),
              default_field("bucket_mb", FieldType::Float, "25",
                            "Size of the gradient buckets that ddp sums while backward runs (PyTorch DDP's "
                            "bucket_cap_mb).")
                  .at_least(0.001),
          }),
      optional_table_field(
          "evaluation",
          "Held-out short-answer QA after the last stage: accuracy per question category and overall, "
          "written to runs/<name>/eval.json and printed as a table; every answer to runs/<name>/eval_answers.jsonl.",
          {
              required_field("questions", FieldType::String,
                             "LLaVA-format file of one-question records with the exact answer and a "
                             "\"category\" (the shapes dataset's eval.json). Relative to the current "
                             "directory, like the shapes dataset's folder: it may be generated by the run."),
              optional_field("image_folder", FieldType::String,
                             "Folder the records' images are relative to. Default: the file's folder."),
              default_field("template", FieldType::String, "'vicuna_v1'", "Chat template of the questions.")
                  .one_of({"plain", "vicuna_v1", "phi"}),
              default_field("max_new_tokens", FieldType::Int, "8", "Tokens generated per answer.").at_least(1),
              default_field("limit", FieldType::Int, "0", "Only the first N questions; 0 = all.").at_least(0),
          }),
      table_array_field(
          "stage", "Training stages, run in the order written.",
          {
              required_field("name", FieldType::String,
                             "Name of the stage, unique in the experiment; "
                             "--set stage.NAME.KEY=VALUE addresses the stage by it."),
              plugin_block_array_field("objectives", PluginKind::Objective,
                                       "Losses summed in this stage."),
              plugin_block_array_field("datasets", PluginKind::Dataset,
                                       "Datasets this stage trains on."),
              default_field("template", FieldType::String, "'plain'",
                            "Chat template: plain (LLaVA pre-training), vicuna_v1 (LLaVA SFT) or phi (TinyLLaVA).")
                  .one_of({"plain", "vicuna_v1", "phi"}),
              default_field("train", FieldType::StringList, "['projector']",
                            "What this stage trains: projector, encoder, llm, or llm.layers.A-B; the rest is frozen."),
              default_field("data_ratio", FieldType::Float, "0.0",
                            "VDEP-mode samples per example with an image (DESIGN.md): 0 = LLaVA, 1 = every "
                            "example once in each mode.")
                  .in_range(0, 1),
              default_field("group_by_modality_length", FieldType::Bool, "false",
                            "LLaVA's length-grouped order for SFT (not with data_ratio > 0)."),
              default_field("max_length", FieldType::Int, "2048",
                            "Positions per sequence after image expansion (LLaVA's model_max_length); 0 = no limit.")
                  .at_least(0),
              default_field("image_aspect_ratio", FieldType::String, "'pad'",
                            "pad: pad images to a square with the mean colour first (LLaVA-1.5); square: resize as is.")
                  .one_of({"pad", "square"}),
              optional_field("init_from", FieldType::Path,
                             "Start the stage from these weights instead of the previous stage's: a checkpoint "
                             "folder (its model.safetensors) or a safetensors file under LLaVA's names "
                             "(model.mm_projector.*, model.layers.*, ...)."),
              default_field("epochs", FieldType::Int, "1", "Passes over the stage's data.").at_least(1),
              default_field("max_steps", FieldType::Int, "0",
                            "Stop after this many optimizer steps; 0 = the epochs decide.")
                  .at_least(0),
              optional_field("global_batch_size", FieldType::Int,
                             "Samples per optimizer step over all processes. Give two of global_batch_size, "
                             "micro_batch_size and gradient_accumulation.")
                  .at_least(1),
              optional_field("micro_batch_size", FieldType::Int, "Samples per forward, per process.").at_least(1),
              optional_field("gradient_accumulation", FieldType::Int, "Micro-batches per optimizer step, per process.")
                  .at_least(1),
              default_field("lr", FieldType::Float, "1e-3", "Peak learning rate.").at_least(0),
              default_field("lr_schedule", FieldType::String, "'cosine'",
                            "cosine, linear or constant after the warmup (HF's schedules).")
                  .one_of({"cosine", "linear", "constant"}),
              default_field("warmup_ratio", FieldType::Float, "0.03",
                            "Warmup steps as a share of the stage's steps, rounded up (HF).")
                  .in_range(0, 1),
              optional_field("warmup_steps", FieldType::Int, "Warmup steps; overrides warmup_ratio.").at_least(0),
              default_field("weight_decay", FieldType::Float, "0.0",
                            "AdamW's decoupled weight decay, on matrices only (not biases or norm weights).")
                  .at_least(0),
              default_field("adam_beta1", FieldType::Float, "0.9", "AdamW's beta1.").in_range(0, 1),
              default_field("adam_beta2", FieldType::Float, "0.999", "AdamW's beta2.").in_range(0, 1),
              default_field("adam_epsilon", FieldType::Float, "1e-8", "AdamW's epsilon.").at_least(0),
              default_field("max_grad_norm", FieldType::Float, "1.0",
                            "Clip the gradients' global L2 norm to this; 0 = no clipping.")
                  .at_least(0),
              default_field("workers", FieldType::Int, "2", "Data loader threads; 0 = load on the training thread.")
                  .at_least(0),
              default_field("log_every", FieldType::Int, "1", "Print the progress line every N steps.").at_least(1),
              default_field("save_every", FieldType::Int, "0",
                            "Write a checkpoint (runs/<name>/checkpoints/<stage>-step-N) every N steps; one is "
                            "always written at the end of the stage.")
                  .at_least(0),
              default_field("eval_every", FieldType::Int, "0",
                            "Run the experiment's [evaluation] every N steps of this stage (its accuracies go to "
                            "the log and metrics.jsonl); 0 = only after the last stage.")
                  .at_least(0),
              default_field("keep_last", FieldType::Int, "2",
                            "Checkpoints of this stage kept, the most recent; earlier stages' stay. 0 = all.")
                  .at_least(0),
              default_field("gradient_checkpointing", FieldType::Bool, "false",
                            "Recompute the LLM's decoder layers in the backward instead of keeping their "
                            "activations: less memory, one more forward of the layers (LLaVA trains with it). "
                            "Matters only when the LLM, or something before it, trains."),
              default_field("precision", FieldType::String, "'fp32'",
                            "fp32, or bf16: bf16 autocast around the forward and the objectives (matmuls in "
                            "bf16; parameters, gradients, optimizer state and loss reductions stay fp32).")
                  .one_of({"fp32", "bf16"}),
          })
          .unique_by("name"),
  };
  return schema;
}

namespace {

// [plugins] names no plugin blocks, so it is validated against no plugins at all.
class NoPlugins final : public PluginCatalog {
 public:
  const PluginInfo* find(PluginKind, std::string_view) const override { return nullptr; }
  std::vector<std::string> names(PluginKind) const override { return {}; }
};

}  // namespace

std::vector<std::filesystem::path> validate_plugin_folders(toml::table& table,
                                                           const std::filesystem::path& experiment_file) {
  const auto& schema = experiment_schema();
  const auto plugins = std::find_if(schema.begin(), schema.end(),
                                    [](const FieldSchema& field) { return field.name == "plugins"; });
  NoPlugins no_plugins;
  ValidationOptions options;
  options.check_paths_exist = true;
  SchemaValidator validator(no_plugins, options, experiment_file);
  validator.check_field(table, *plugins, "");
  std::vector<ConfigDiagnostic> diagnostics = validator.take_diagnostics();
  if (!diagnostics.empty()) throw ConfigError(std::move(diagnostics));

  std::vector<std::filesystem::path> folders;
  for (const auto& entry : *table["plugins"]["paths"].as_array()) folders.emplace_back(entry.as_string()->get());
  return folders;
}

Params validated_plugin_params(toml::table block, const std::string& key, PluginKind kind,
                               const PluginCatalog& catalog, const ValidationOptions& options) {
  toml::table holder;
  holder.insert(key, std::move(block));
  SchemaValidator validator(catalog, options, std::filesystem::current_path() / "command line");
  validator.check_field(holder, plugin_block_field(key, kind, ""), "");
  std::vector<ConfigDiagnostic> diagnostics = validator.take_diagnostics();
  if (!diagnostics.empty()) throw ConfigError(std::move(diagnostics));
  const toml::table& validated = *holder[key].as_table();
  return plugin_params(validated, *catalog.find(kind, validated["plugin"].value_or(std::string())));
}

std::vector<ConfigDiagnostic> experiment_diagnostics(toml::table& table, const std::filesystem::path& experiment_file,
                                                     const PluginCatalog& catalog, const ValidationOptions& options) {
  if (!table.contains("name")) table.insert("name", experiment_file.stem().string());
  SchemaValidator validator(catalog, options, experiment_file);
  validator.check_table(table, experiment_schema(), "");
  return validator.take_diagnostics();
}

void validate_experiment(toml::table& table, const std::filesystem::path& experiment_file,
                         const PluginCatalog& catalog, const ValidationOptions& options) {
  std::vector<ConfigDiagnostic> diagnostics = experiment_diagnostics(table, experiment_file, catalog, options);
  if (!diagnostics.empty()) throw ConfigError(std::move(diagnostics));
}

}  // namespace vdep
