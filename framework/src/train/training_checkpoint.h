// A training checkpoint: everything a run needs to resume exactly where it stopped, in one folder
// <root>/<stage>-step-<N>/ that appears whole or not at all:
//   model.safetensors      the trainable weights under LLaVA's names (model.mm_projector.0.weight,
//                          ...), so that HF/LLaVA tooling loads them as they are
//   optimizer.safetensors  the AdamW state (AdamWOptimizer::state_tensors); under ZeRO-2, rank 0's
//                          shard, with optimizer.rank-<R>.safetensors for every other rank's
//   rng.safetensors        the random generators' states
//   trainer_state.json     where training stands: stage, steps, data position, metrics
//   config.toml            the resolved experiment that produced it
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>

namespace vdep {

struct TrainingCheckpoint {
  std::string stage;  // the stage's name: "pretrain", "finetune", ...
  std::int64_t stage_index = 0;
  std::int64_t optimizer_step = 0;  // updates made in this stage; names the folder
  std::int64_t epoch = 0;
  std::int64_t micro_batches_in_epoch = 0;  // consumed so far in `epoch`: where the data resumes
  std::int64_t schedule_step = 0;           // the learning-rate schedule's position
  nlohmann::json metrics = nlohmann::json::object();  // whatever the trainer keeps (a JSON object)

  std::vector<std::pair<std::string, at::Tensor>> weights;
  std::vector<std::pair<std::string, at::Tensor>> optimizer_state;
  // at::detail::getDefaultCPUGenerator().get_state() when saved; give it back to set_state() on
  // resume. Stored in rng.safetensors as "torch.default_cpu_generator".
  at::Tensor cpu_generator_state;
  // A run on a GPU: the state of that GPU's default generator, stored as "torch.cuda_generator".
  // Undefined for a run on CPU, and absent from its checkpoints.
  at::Tensor cuda_generator_state;
  // Any other generator state (a data loader's, ...), under names of the caller's choosing.
  std::vector<std::pair<std::string, at::Tensor>> other_random_states;

  std::string config_toml;

  // ZeRO-2: the number of ranks whose optimizer shards make up the state. Ranks 1 and up have
  // written theirs with write_optimizer_shard; writing the checkpoint moves them in before it is
  // complete, so that it appears with every shard or not at all. 1: optimizer_state is all of it.
  int optimizer_shards = 1;

  std::filesystem::path folder;  // where read_training_checkpoint read it from
};

// ZeRO-2, on rank `rank` > 0: writes this rank's optimizer shard where rank 0's
// write_training_checkpoint of the same stage and step will take it from (a hidden staging folder
// in `root`, shared by every rank).
void write_optimizer_shard(const std::filesystem::path& root, const std::string& stage, std::int64_t optimizer_step,
                           int rank, const std::vector<std::pair<std::string, at::Tensor>>& state);
// Where rank `rank`'s shard of the optimizer state is in a checkpoint folder (rank 0's is
// optimizer.safetensors), and reading it. Throws std::runtime_error naming a missing file.
std::filesystem::path optimizer_shard_file(const std::filesystem::path& folder, int rank);
std::vector<std::pair<std::string, at::Tensor>> read_optimizer_shard(const std::filesystem::path& folder, int rank);

// Writes the checkpoint as <root>/<stage>-step-<optimizer_step>, which must not exist yet: first
// into a hidden sibling ".<name>.partial-<pid>", flushed to disk, then renamed into place. Any
// failure removes the partial folder and throws, leaving no trace. Then keeps only the `keep_last`
// most recent complete checkpoints of the same stage in `root` (by step; 0 keeps all), never
// removing the one just written; other stages' checkpoints are their results and stay. Returns its path. Throws std::invalid_argument for a stage name
// that is empty, hidden or holds a '/', or metrics that are not a JSON object, and
// std::runtime_error for an existing checkpoint of the same name or a failed write.
std::filesystem::path write_training_checkpoint(const std::filesystem::path& root,
                                                const TrainingCheckpoint& checkpoint, std::size_t keep_last);

// Reads a checkpoint folder back. Its tensors view the memory-mapped files: read-only, to be
// copied (copy_, load_state, set_state) rather than changed in place. Throws std::runtime_error
// naming the missing file, the malformed file, or the file and missing or mistyped key.
TrainingCheckpoint read_training_checkpoint(const std::filesystem::path& folder);

// The most recent complete checkpoint in `root` (by stage index, then step), if any. Hidden
// folders (partial writes) and folders without a readable trainer_state.json are not checkpoints.
std::optional<std::filesystem::path> latest_training_checkpoint(const std::filesystem::path& root);

}  // namespace vdep
