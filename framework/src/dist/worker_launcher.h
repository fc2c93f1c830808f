// Starts N local worker processes as torchrun --nproc-per-node does: each finds the others from
// torchrun's environment variables, its output is relayed line by line behind its rank, and one
// worker failing stops the rest. POSIX only.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace vdep {

struct WorkerLaunchOptions {
  std::vector<std::string> command;  // argv of each worker; command[0] is the executable's absolute path
  int workers = 1;                   // ranks 0..workers-1
  std::string master_addr = "127.0.0.1";
  int master_port = 0;  // 0: a free port, picked with free_tcp_port(master_addr)
  // How long the survivors of a failure get between SIGTERM and SIGKILL.
  std::chrono::milliseconds stop_grace{10000};
  std::FILE* out = stdout;  // the workers' stdout lines, each behind "[rank K] "
  std::FILE* err = stderr;  // their stderr lines, and the launcher's own messages
};

// Runs every worker to its end and returns the launcher's exit code: 0 when every worker exits 0;
// otherwise the exit code shared by the workers that failed by themselves (those the launcher
// stopped do not count, so every rank exiting 2 for a configuration error gives 2 however the
// exits interleave), 128 + the signal when the launcher itself got SIGINT or SIGTERM (forwarded to
// the workers), and 1 in every other case. After the first failure every wait is bounded by
// stop_grace. Each worker runs in its own process group, which is what gets signalled, so a
// worker's own children stop with it; workers get SIGKILL if the launcher dies.
//
// Installs SIGINT, SIGTERM and SIGCHLD handlers for its duration: one launch per process at a time.
// Throws std::invalid_argument for bad options and std::runtime_error when a pipe or a fork fails
// (the workers already started are killed first).
int launch_local_workers(const WorkerLaunchOptions& options);

// A TCP port free on `address` (an IPv4 address) at the time of the call, found by binding port 0.
int free_tcp_port(const std::string& address);

}  // namespace vdep
