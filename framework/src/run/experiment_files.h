// What `vdep-run check` verifies beyond the schema: that the folders and files an experiment names
// hold what the run will read, so that a missing download fails in seconds, all of it at once,
// rather than hours in when a stage reaches it.
#pragma once

#include <filesystem>
#include <vector>

#include <toml++/toml.h>

#include "config/config_error.h"

namespace vdep {

// Checks a validated experiment (paths absolute, defaults filled in) and returns one diagnostic per
// missing file, each at the key that asked for it:
// - the `weights` folder of [encoder] and [llm]: an HF checkpoint, config.json and model.safetensors
//   or model.safetensors.index.json with every shard it names;
// - the tokenizer (`tokenizer`, else the llm's weights folder): tokenizer.model, or vocab.json and
//   merges.txt;
// - each llava_json dataset: the images of a sample of its records, spread over the file (stat-ing
//   every image of 558K records would take minutes), reporting a missing folder once.
// Paths that do not exist at all are left to the schema validator, which reports them already;
// values of the wrong type are skipped for the same reason.
std::vector<ConfigDiagnostic> missing_experiment_files(const toml::table& config,
                                                       const std::filesystem::path& experiment_file);

}  // namespace vdep
