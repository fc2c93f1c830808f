// Data-parallel scaling of one training stage: runs an experiment through vdep-run on 1, then N
// processes (`--nproc-per-node`, Gloo on CPU) with the same global batch, and prints each run's
// samples/s and the share of step time spent waiting for the gradient exchange, from the
// metrics.jsonl the runs write. The stages before the measured one are cut to one step, since only
// the measured stage's speed counts.
//
//   build/bin/data_parallel_bench --experiment experiments/toy_shapes.toml --stage sft --steps 40
//                                 --processes 2 --strategy ddp (or zero2) --out /tmp/dp-bench
//
// Each process gets an equal share of the cores for its BLAS threads (OPENBLAS_NUM_THREADS =
// cores / processes), so 1 process uses every core as 2 processes together do. The first
// --warmup steps of the measured stage are left out of the figures.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include "flag_values.h"

namespace {

struct StageFigures {
  int steps = 0;
  double samples = 0;
  double seconds = 0;
  double communication_seconds = 0;
};

std::string shell_quoted(const std::string& text) {
  std::string quoted = "'";
  for (const char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

StageFigures read_figures(const std::filesystem::path& metrics, const std::string& stage, int warmup) {
  StageFigures figures;
  std::ifstream lines(metrics);
  for (std::string line; std::getline(lines, line);) {
    const nlohmann::json step = nlohmann::json::parse(line);
    if (step["stage"] != stage || step["step"].get<int>() <= warmup) continue;
    ++figures.steps;
    figures.seconds += step["step_s"].get<double>();
    figures.samples += step["samples_per_s"].get<double>() * step["step_s"].get<double>();
    figures.communication_seconds += step.value("communication_wait_s", 0.0);
  }
  return figures;
}

}  // namespace

int main(int argc, char** argv) {
  std::string vdep_run = "build/bin/vdep-run";
  std::string experiment = "experiments/toy_shapes.toml";
  std::string stage = "sft";
  std::string strategy = "ddp";
  std::filesystem::path out = "/tmp/vdep-data-parallel-bench";
  int steps = 40;
  int warmup = 3;
  int processes = 2;
  vdep::bench::FlagValues flags;
  flags.text("--vdep-run", vdep_run)
      .text("--experiment", experiment)
      .text("--stage", stage)
      .text("--strategy", strategy)
      .text("--out", out)
      .number("--steps", steps)
      .number("--warmup", warmup)
      .number("--processes", processes);
  if (!flags.parse(argc, argv)) return 2;

  const toml::table config = toml::parse_file(experiment);
  std::string cut_stages;
  bool found = false;
  for (const auto& node : *config["stage"].as_array()) {
    const std::string name = (*node.as_table())["name"].value_or(std::string());
    if (name == stage) {
      found = true;
      break;
    }
    cut_stages += " --set stage." + name + ".max_steps=1";
  }
  if (!found) {
    std::fprintf(stderr, "%s has no stage '%s'\n", experiment.c_str(), stage.c_str());
    return 2;
  }

  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  std::printf("stage '%s' of %s, %d steps (first %d left out), strategy %s, %u cores\n", stage.c_str(),
              experiment.c_str(), steps, warmup, strategy.c_str(), cores);
  std::printf("%-9s %-12s %-10s %-12s %-14s\n", "processes", "samples/s", "step s", "speed-up", "communication");
  double single = 0;
  for (const int count : {1, processes}) {
    const std::string name = "bench_" + std::to_string(count);
    std::filesystem::remove_all(out / name);
    const unsigned threads = std::max(1u, cores / static_cast<unsigned>(count));
    const std::string command =
        "OPENBLAS_NUM_THREADS=" + std::to_string(threads) + " " + shell_quoted(vdep_run) + " " + shell_quoted(experiment) +
        " --nproc-per-node " + std::to_string(count) + " --log-level warn --set name=" + name +
        " --set output_dir=" + shell_quoted(out.string()) + " --set distributed.strategy=" + strategy + cut_stages +
        " --set stage." + stage + ".max_steps=" + std::to_string(steps) + " --set stage." + stage +
        ".save_every=0 --set evaluation.limit=1";
    if (std::system(command.c_str()) != 0) {
      std::fprintf(stderr, "failed: %s\n", command.c_str());
      return 1;
    }
    const StageFigures figures = read_figures(out / name / "metrics.jsonl", stage, warmup);
    if (figures.steps == 0) {
      std::fprintf(stderr, "no measured step in %s\n", (out / name / "metrics.jsonl").c_str());
      return 1;
    }
    const double rate = figures.samples / figures.seconds;
    if (count == 1) single = rate;
    std::printf("%-9d %-12.2f %-10.3f %-12.2f %.1f%%\n", count, rate, figures.seconds / figures.steps, rate / single,
                100.0 * figures.communication_seconds / figures.seconds);
  }
  return 0;
}
