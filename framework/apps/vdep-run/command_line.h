// vdep-run's command line: a subcommand, its operands and the options they share.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "config/experiment_loader.h"

namespace vdep {

enum class Command { Run, Plugins, Config, Check, Probe, Tokenize, Data, Help, Version };

struct CommandLine {
  Command command = Command::Help;
  std::vector<std::string> operands;               // after the subcommand
  std::vector<ConfigOverride> overrides;           // --set KEY=VALUE (repeatable)
  std::vector<std::filesystem::path> plugin_paths;  // --plugin-path DIR (repeatable)
  std::string log_level = "info";                  // --log-level LEVEL
  bool json = false;                               // --json (plugins)
  // a run: --resume (the run's latest checkpoint) or --resume=PATH / --resume PATH
  bool resume = false;
  std::filesystem::path resume_from;
  std::int64_t nproc_per_node = 1;  // a run: --nproc-per-node N (worker processes on this machine)

  // probe
  std::string plugin;                        // --plugin NAME
  std::filesystem::path weights;             // --weights DIR
  std::filesystem::path image;               // --image FILE
  std::filesystem::path dump;                // --dump FILE.safetensors
  std::vector<ConfigOverride> plugin_params;  // --param KEY=VALUE (repeatable)
  std::string aspect = "pad";                // --aspect pad|square
  // probe llm
  std::string prompt;                        // --prompt TEXT
  std::vector<std::int64_t> prompt_ids;      // --ids 1,2,3
  std::int64_t max_new_tokens = 32;          // --max-new-tokens N
  double temperature = 0.0;                  // --temperature T (0 = greedy)
  double top_p = 1.0;                        // --top-p P
  std::uint64_t seed = 0;                    // --seed N (also data shapes)
  std::string chat_template;                 // --template NAME
  std::filesystem::path tokenizer;           // --tokenizer PATH (also tokenize)

  // probe data
  double data_ratio = 0.0;                   // --data-ratio R
  std::int64_t micro_batch_size = 4;         // --batch N
  std::int64_t batches = 0;                  // --batches N (0 = the whole epoch)
  std::int64_t workers = 2;                  // --workers N

  // tokenize
  bool jsonl = false;               // --jsonl
  bool no_special = false;          // --no-special

  // data shapes
  std::filesystem::path out;        // --out DIR
  std::int64_t count = 0;           // --n N
  std::int64_t image_size = 336;    // --size PIXELS (also probe data)
  std::int64_t max_shapes = 4;      // --max-shapes K
};

// Throws UsageError with a message that says what is wrong and what was expected.
CommandLine parse_command_line(int argc, char** argv);

extern const char* const kUsage;

}  // namespace vdep
