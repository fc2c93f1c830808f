#include "command_line.h"

#include <algorithm>
#include <limits>
#include <string_view>

#include <vdep/shapes_dataset.h>

#include "text/nearest_match.h"
#include "usage_error.h"

namespace vdep {

const char* const kUsage =
    "usage:\n"
    "  vdep-run EXPERIMENT.toml [--set KEY=VALUE]... [--plugin-path DIR]... [--log-level LEVEL]\n"
    "                           [--resume [CHECKPOINT]] [--nproc-per-node N]\n"
    "      train the experiment's stages; writes runs/<name>/ (config.toml, run.log, metrics.jsonl,\n"
    "      checkpoints/<stage>-step-N/); --resume continues from the run's latest checkpoint, or from\n"
    "      CHECKPOINT; --nproc-per-node N starts N worker processes on this machine (ranks 0..N-1,\n"
    "      each output line prefixed with its rank) and stops them all when one fails\n"
    "  vdep-run plugins [NAME] [--json] [--plugin-path DIR]...\n"
    "      list the plugins found, or print one plugin's parameters\n"
    "  vdep-run config EXPERIMENT.toml [--set KEY=VALUE]... [--plugin-path DIR]...\n"
    "      print the fully resolved experiment (bases, overrides, defaults) as TOML\n"
    "  vdep-run check EXPERIMENT.toml [--set KEY=VALUE]... [--plugin-path DIR]...\n"
    "      validate the experiment, its plugin parameters and every file it names, without running\n"
    "  vdep-run probe encoder --plugin NAME [--weights DIR] --image FILE [--param KEY=VALUE]...\n"
    "                         [--aspect pad|square] [--dump OUT.safetensors]\n"
    "      run one image through an encoder plugin and print the features' shape and statistics;\n"
    "      --dump writes pixel_values, every computed hidden_states.N and image_features\n"
    "  vdep-run probe llm --plugin NAME [--weights DIR] (--prompt TEXT | --ids 1,2,3) [--param KEY=VALUE]...\n"
    "                     [--template plain|vicuna_v1|phi] [--tokenizer PATH] [--max-new-tokens N]\n"
    "                     [--temperature T] [--top-p P] [--seed N] [--dump OUT.safetensors]\n"
    "      run a prompt through an LLM plugin: the next-token distribution and a generated\n"
    "      continuation (greedy unless --temperature > 0); --template wraps the prompt as one user\n"
    "      turn; --dump writes input_ids, logits and every hidden_states.N of the prompt pass\n"
    "  vdep-run probe data --plugin NAME [--param KEY=VALUE]... --tokenizer PATH [--template NAME]\n"
    "                      [--data-ratio R] [--batch N] [--batches N] [--workers N] [--seed S] [--size PIXELS]\n"
    "      run a dataset plugin through the training data loader: the epoch's LLaVA/VDEP-mode mix\n"
    "      (--data-ratio), the first micro-batches' samples, samples/s, data-wait time per batch and\n"
    "      the samples skipped (missing or corrupt images, tokenization mismatches) with their paths\n"
    "  vdep-run tokenize --tokenizer PATH [--no-special] (TEXT | --jsonl)\n"
    "      print the token ids and pieces of TEXT; PATH is an HF model folder, a tokenizer.model or a\n"
    "      vocab.json; --jsonl reads one text per stdin line and writes {\"text\":...,\"ids\":[...]} lines;\n"
    "      --no-special leaves out the tokens the tokenizer adds around a text (LLaMA's BOS)\n"
    "  vdep-run data shapes --out DIR --n N [--seed S] [--size PIXELS] [--max-shapes K]\n"
    "      draw N synthetic scenes of coloured shapes into DIR/images/ and write LLaVA-format\n"
    "      pretrain.json (captions), sft.json (question answering) and eval.json (held-out scenes in\n"
    "      DIR/eval_images/, one exact short answer per question); the same seed gives the same files\n"
    "  vdep-run --help | --version\n"
    "\n"
    "Plugins are searched in --plugin-path folders, then VDEP_PLUGIN_PATH (colon-separated), then\n"
    "the experiment's [plugins] paths, then the plugins installed with vdep.\n"
    "Exit codes: 0 success, 1 runtime failure, 2 bad usage or configuration.\n";

namespace {

const std::vector<std::string> kSubcommands = {"plugins", "config", "check", "probe", "tokenize", "data"};
const std::vector<std::string> kOptions = {"--set",    "--plugin-path", "--log-level", "--json",   "--help", "--resume",
                                           "--version", "--plugin",      "--weights",   "--image",  "--dump",
                                           "--param",   "--aspect",      "--prompt",    "--ids",    "--max-new-tokens",
                                           "--temperature", "--top-p",   "--seed",      "--template", "--tokenizer", "--jsonl", "--no-special",
                                           "--out", "--n", "--max-shapes", "--size", "--data-ratio", "--batch", "--batches", "--workers",
                                           "--nproc-per-node"};
const std::vector<std::string> kProbeOptions = {"--plugin", "--weights",        "--image",       "--dump",
                                                "--param",  "--aspect",         "--prompt",      "--ids",
                                                "--max-new-tokens", "--temperature", "--top-p",   "--template",
                                                "--data-ratio", "--batch", "--batches", "--workers"};
// What each probe accepts of kProbeOptions.
const std::vector<std::string> kProbeEncoderOptions = {"--plugin", "--weights", "--param", "--image", "--aspect",
                                                       "--dump"};
const std::vector<std::string> kProbeLlmOptions = {"--plugin", "--weights",     "--param",       "--dump",
                                                   "--prompt", "--ids",         "--max-new-tokens", "--temperature",
                                                   "--top-p",  "--template"};
const std::vector<std::string> kProbeDataOptions = {"--plugin",     "--param", "--template", "--data-ratio",
                                                    "--batch",      "--batches", "--workers"};
const std::vector<std::string> kDataOptions = {"--out", "--n", "--max-shapes"};

std::int64_t integer_value(const std::string& option, const std::string& text) {
  try {
    std::size_t used = 0;
    const long long value = std::stoll(text, &used);
    if (used == text.size()) return value;
  } catch (const std::exception&) {
  }
  throw UsageError(option + " takes an integer (got '" + text + "')");
}

double number_value(const std::string& option, const std::string& text) {
  try {
    std::size_t used = 0;
    const double value = std::stod(text, &used);
    if (used == text.size()) return value;
  } catch (const std::exception&) {
  }
  throw UsageError(option + " takes a number (got '" + text + "')");
}

std::vector<std::int64_t> id_list(const std::string& text) {
  std::vector<std::int64_t> ids;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    ids.push_back(integer_value("--ids", text.substr(start, comma - start)));
    start = comma + 1;
  }
  return ids;
}

bool is_experiment_file(std::string_view operand) {
  return operand.size() > 5 && operand.substr(operand.size() - 5) == ".toml";
}

}  // namespace

CommandLine parse_command_line(int argc, char** argv) {
  CommandLine line;
  std::vector<std::string> positional;
  std::vector<std::string> probe_options;
  std::vector<std::string> tokenize_options;
  std::vector<std::string> data_options;
  bool seed_given = false;
  bool size_given = false;
  bool nproc_given = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    bool has_inline_value = false;
    if (arg.rfind("--", 0) == 0) {
      if (const auto equals = arg.find('='); equals != std::string::npos) {
        value = arg.substr(equals + 1);
        arg = arg.substr(0, equals);
        has_inline_value = true;
      }
    }
    auto take_value = [&]() -> std::string {
      if (has_inline_value) return value;
      if (i + 1 >= argc) throw UsageError(arg + " needs a value");
      return argv[++i];
    };

    if (arg == "--help" || arg == "-h") {
      line.command = Command::Help;
      return line;
    } else if (arg == "--version") {
      line.command = Command::Version;
      return line;
    } else if (arg == "--set") {
      line.overrides.push_back(parse_override(take_value()));
    } else if (arg == "--plugin-path") {
      line.plugin_paths.emplace_back(take_value());
    } else if (arg == "--log-level") {
      line.log_level = take_value();
    } else if (arg == "--json") {
      line.json = true;
    } else if (arg == "--resume") {
      // The checkpoint is optional: a following operand is it unless it is the experiment file.
      line.resume = true;
      if (has_inline_value) {
        line.resume_from = value;
      } else if (i + 1 < argc && argv[i + 1][0] != '-' && !is_experiment_file(argv[i + 1])) {
        line.resume_from = argv[++i];
      }
    } else if (arg == "--nproc-per-node") {
      nproc_given = true;
      line.nproc_per_node = integer_value(arg, take_value());
    } else if (arg == "--tokenizer") {
      line.tokenizer = take_value();
    } else if (arg == "--jsonl") {
      tokenize_options.push_back(arg);
      line.jsonl = true;
    } else if (arg == "--no-special") {
      tokenize_options.push_back(arg);
      line.no_special = true;
    } else if (arg == "--seed") {
      // Shared by probe llm (sampling) and data shapes (the dataset's stream).
      seed_given = true;
      line.seed = static_cast<std::uint64_t>(integer_value(arg, take_value()));
    } else if (arg == "--size") {
      // Shared by data shapes (the drawn images) and probe data (the preprocessed ones).
      size_given = true;
      line.image_size = integer_value(arg, take_value());
    } else if (std::find(kDataOptions.begin(), kDataOptions.end(), arg) != kDataOptions.end()) {
      data_options.push_back(arg);
      const std::string given = take_value();
      if (arg == "--out") line.out = given;
      if (arg == "--n") line.count = integer_value(arg, given);
      if (arg == "--max-shapes") line.max_shapes = integer_value(arg, given);
    } else if (std::find(kProbeOptions.begin(), kProbeOptions.end(), arg) != kProbeOptions.end()) {
      probe_options.push_back(arg);
      const std::string given = take_value();
      if (arg == "--plugin") line.plugin = given;
      if (arg == "--weights") line.weights = given;
      if (arg == "--image") line.image = given;
      if (arg == "--dump") line.dump = given;
      if (arg == "--aspect") line.aspect = given;
      if (arg == "--param") line.plugin_params.push_back(parse_override(given));
      if (arg == "--prompt") line.prompt = given;
      if (arg == "--ids") line.prompt_ids = id_list(given);
      if (arg == "--max-new-tokens") line.max_new_tokens = integer_value(arg, given);
      if (arg == "--temperature") line.temperature = number_value(arg, given);
      if (arg == "--top-p") line.top_p = number_value(arg, given);
      if (arg == "--template") line.chat_template = given;
      if (arg == "--data-ratio") line.data_ratio = number_value(arg, given);
      if (arg == "--batch") line.micro_batch_size = integer_value(arg, given);
      if (arg == "--batches") line.batches = integer_value(arg, given);
      if (arg == "--workers") line.workers = integer_value(arg, given);
    } else if (arg.rfind("-", 0) == 0 && arg.size() > 1) {
      std::string message = "unknown option '" + arg + "'";
      if (auto suggestion = nearest_match(arg, kOptions)) message += "; did you mean '" + *suggestion + "'?";
      throw UsageError(message);
    } else {
      positional.push_back(arg);
    }
  }

  if (positional.empty()) throw UsageError("no experiment file or subcommand given");
  const std::string& first = positional.front();
  if (first == "plugins") {
    line.command = Command::Plugins;
  } else if (first == "config") {
    line.command = Command::Config;
  } else if (first == "check") {
    line.command = Command::Check;
  } else if (first == "probe") {
    line.command = Command::Probe;
  } else if (first == "tokenize") {
    line.command = Command::Tokenize;
  } else if (first == "data") {
    line.command = Command::Data;
  } else if (is_experiment_file(first)) {
    line.command = Command::Run;
    line.operands.assign(positional.begin(), positional.end());
  } else {
    std::string message = "'" + first + "' is neither a subcommand (plugins, config, check, probe, tokenize, data) nor an experiment file (*.toml)";
    if (auto suggestion = nearest_match(first, kSubcommands)) message += "; did you mean '" + *suggestion + "'?";
    throw UsageError(message);
  }
  if (line.command != Command::Run) line.operands.assign(positional.begin() + 1, positional.end());

  switch (line.command) {
    case Command::Plugins:
      if (line.operands.size() > 1) throw UsageError("plugins takes at most one plugin name");
      break;
    case Command::Config:
    case Command::Check:
    case Command::Run:
      if (line.operands.size() != 1) {
        throw UsageError(std::string(line.command == Command::Run ? "a run" : first) +
                         " takes exactly one experiment file");
      }
      if (line.nproc_per_node < 1) {
        throw UsageError("--nproc-per-node must be >= 1 (got " + std::to_string(line.nproc_per_node) + ")");
      }
      if (line.nproc_per_node > std::numeric_limits<int>::max()) {
        throw UsageError("--nproc-per-node is too large (got " + std::to_string(line.nproc_per_node) + ")");
      }
      break;
    case Command::Probe: {
      const std::string kind = line.operands.size() == 1 ? line.operands.front() : "";
      if (kind != "encoder" && kind != "llm" && kind != "data") {
        throw UsageError("probe takes one operand: encoder, llm or data (vdep-run probe encoder --plugin NAME --image "
                         "FILE, vdep-run probe llm --plugin NAME --prompt TEXT, vdep-run probe data --plugin NAME "
                         "--tokenizer PATH)");
      }
      const std::string what = "probe " + kind;
      if (line.plugin.empty()) throw UsageError(what + " needs --plugin NAME (`vdep-run plugins` lists them)");
      const auto& accepted = kind == "encoder" ? kProbeEncoderOptions : kind == "llm" ? kProbeLlmOptions : kProbeDataOptions;
      for (const std::string& option : probe_options) {
        if (std::find(accepted.begin(), accepted.end(), option) == accepted.end()) {
          throw UsageError(option + " does not apply to " + what);
        }
      }
      if (kind == "encoder") {
        if (line.image.empty()) throw UsageError("probe encoder needs --image FILE");
        if (line.aspect != "pad" && line.aspect != "square") {
          throw UsageError("--aspect must be pad or square (got '" + line.aspect + "')");
        }
      } else if (kind == "llm") {
        if (line.prompt.empty() == line.prompt_ids.empty()) throw UsageError("probe llm needs one of --prompt TEXT or --ids 1,2,3");
        if (!line.chat_template.empty() && line.prompt.empty()) throw UsageError("--template applies to --prompt");
        if (line.max_new_tokens < 0) throw UsageError("--max-new-tokens must be >= 0");
        if (line.temperature < 0) throw UsageError("--temperature must be >= 0");
        if (!(line.top_p > 0 && line.top_p <= 1)) throw UsageError("--top-p must be in (0, 1]");
      } else {
        if (line.tokenizer.empty()) throw UsageError("probe data needs --tokenizer PATH (an HF model folder or tokenizer file)");
        if (!(line.data_ratio >= 0 && line.data_ratio <= 1)) throw UsageError("--data-ratio must be in [0, 1]");
        if (line.micro_batch_size < 1) throw UsageError("--batch must be >= 1");
        if (line.batches < 0) throw UsageError("--batches must be >= 0 (0 = the whole epoch)");
        if (line.workers < 0) throw UsageError("--workers must be >= 0 (0 = encode on the calling thread)");
        if (line.image_size < 1) throw UsageError("--size must be >= 1");
      }
      break;
    }
    case Command::Tokenize:
      if (line.tokenizer.empty()) throw UsageError("tokenize needs --tokenizer PATH (an HF model folder or tokenizer file)");
      if (line.jsonl && !line.operands.empty()) throw UsageError("tokenize --jsonl reads its texts from stdin: give no TEXT");
      if (!line.jsonl && line.operands.size() != 1) {
        throw UsageError("tokenize takes one TEXT (quote it), or --jsonl to read texts from stdin");
      }
      break;
    case Command::Data:
      if (line.operands != std::vector<std::string>{"shapes"}) {
        throw UsageError("data takes one operand: the dataset to generate, shapes (vdep-run data shapes --out DIR --n N)");
      }
      if (line.out.empty()) throw UsageError("data shapes needs --out DIR");
      if (line.count < 1) throw UsageError("data shapes needs --n N with N >= 1 (the number of training scenes)");
      if (line.image_size < kMinShapesImageSize || line.image_size > kMaxShapesImageSize) {
        throw UsageError("--size must be in [" + std::to_string(kMinShapesImageSize) + ", " +
                         std::to_string(kMaxShapesImageSize) + "] (got " + std::to_string(line.image_size) + ")");
      }
      if (line.max_shapes < 1 || line.max_shapes > kMaxShapesPerScene) {
        throw UsageError("--max-shapes must be in [1, " + std::to_string(kMaxShapesPerScene) + "] (got " +
                         std::to_string(line.max_shapes) + ")");
      }
      break;
    default: break;
  }
  if (line.command != Command::Probe && !probe_options.empty()) {
    throw UsageError(probe_options.front() + " only applies to 'probe'");
  }
  if (line.command != Command::Tokenize && !tokenize_options.empty()) {
    throw UsageError(tokenize_options.front() + " only applies to 'tokenize'");
  }
  if (line.command != Command::Data && !data_options.empty()) {
    throw UsageError(data_options.front() + " only applies to 'data shapes'");
  }
  const bool probes_llm = line.command == Command::Probe && line.operands.front() == "llm";
  const bool probes_data = line.command == Command::Probe && line.operands.front() == "data";
  if (seed_given && !probes_llm && !probes_data && line.command != Command::Data) {
    throw UsageError("--seed only applies to 'probe llm', 'probe data' and 'data shapes'");
  }
  if (size_given && !probes_data && line.command != Command::Data) {
    throw UsageError("--size only applies to 'data shapes' and 'probe data'");
  }
  if (!line.tokenizer.empty() && line.command != Command::Tokenize && !probes_llm && !probes_data) {
    throw UsageError("--tokenizer only applies to 'tokenize', 'probe llm' and 'probe data'");
  }
  if (line.json && line.command != Command::Plugins) throw UsageError("--json only applies to 'plugins'");
  if (line.resume && line.command != Command::Run) throw UsageError("--resume only applies to a run (vdep-run EXPERIMENT.toml)");
  if (nproc_given && line.command != Command::Run) {
    throw UsageError("--nproc-per-node only applies to a run (vdep-run EXPERIMENT.toml)");
  }
  return line;
}

}  // namespace vdep
