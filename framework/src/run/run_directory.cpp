#include "run/run_directory.h"

#include <stdexcept>
#include <system_error>

#include "io/atomic_file.h"

namespace vdep {

RunDirectory run_directory_of(const std::filesystem::path& output_dir, const std::string& name) {
  RunDirectory run;
  run.root = std::filesystem::absolute(output_dir / name);
  run.config_file = run.root / "config.toml";
  run.log_file = run.root / "run.log";
  return run;
}

RunDirectory prepare_run_directory(const std::filesystem::path& output_dir, const std::string& name,
                                   std::string_view resolved_config) {
  const RunDirectory run = run_directory_of(output_dir, name);
  std::error_code error;
  std::filesystem::create_directories(run.root, error);
  if (error) {
    throw std::runtime_error("cannot create run folder " + run.root.string() + ": " + error.message());
  }
  write_file_atomically(run.config_file, resolved_config);
  return run;
}

}  // namespace vdep
