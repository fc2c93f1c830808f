// Where this process sits in a multi-process run, read from the variables that the launchers set:
// torchrun's (and `vdep-run --nproc-per-node`'s) RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE,
// MASTER_ADDR, MASTER_PORT, or Slurm's SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID and the first host
// of SLURM_JOB_NODELIST.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace vdep {

struct DistributedEnvironment {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  int local_world_size = 1;
  std::string master_addr = "127.0.0.1";
  std::uint16_t master_port = 29500;
  std::string launcher;  // "torchrun" or "slurm": which variables it came from, for the log
};

// Reads a variable; empty optional when unset. Tests pass their own.
using EnvironmentLookup = std::function<std::optional<std::string>(const std::string& name)>;

std::optional<std::string> process_environment(const std::string& name);

// The environment of a launched worker; nullopt when neither torchrun's nor Slurm's variables are
// set (a plain single-process run). Throws std::invalid_argument naming the variable that is
// malformed or missing (RANK without WORLD_SIZE, a rank not below the world size, a bad port).
// Slurm's are read only when RANK is unset, so torchrun inside a Slurm allocation still works;
// a Slurm job with one task is a single-process run.
std::optional<DistributedEnvironment> read_distributed_environment(const EnvironmentLookup& lookup = process_environment);

// The first host of a Slurm node list: "gpu[03-05,09],cpu1" → "gpu03".
std::string first_slurm_host(const std::string& node_list);

}  // namespace vdep
