// The folder a run writes into: runs/<name>/ with the resolved experiment, the log and, later,
// metrics and checkpoints.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace vdep {

struct RunDirectory {
  std::filesystem::path root;
  std::filesystem::path config_file;  // config.toml: the fully resolved experiment
  std::filesystem::path log_file;     // run.log
};

// The paths of <output_dir>/<name>/, nothing created (the ranks of a multi-process run other
// than rank 0, which writes).
RunDirectory run_directory_of(const std::filesystem::path& output_dir, const std::string& name);

// Creates <output_dir>/<name>/ (and its parents) and writes config.toml atomically. An existing
// run folder is reused: its log is appended to and config.toml replaced.
RunDirectory prepare_run_directory(const std::filesystem::path& output_dir, const std::string& name,
                                   std::string_view resolved_config);

}  // namespace vdep
