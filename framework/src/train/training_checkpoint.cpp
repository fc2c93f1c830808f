#include "train/training_checkpoint.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <tuple>

#include <unistd.h>

#include <vdep/safetensors.h>

#include "io/atomic_file.h"
#include "tensors/hf_weight_files.h"

namespace vdep {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const char* const kOptimizerFile = "optimizer.safetensors";
const char* const kRandomStateFile = "rng.safetensors";
const char* const kTrainerStateFile = "trainer_state.json";
const char* const kConfigFile = "config.toml";
const char* const kCpuGeneratorKey = "torch.default_cpu_generator";
const char* const kCudaGeneratorKey = "torch.cuda_generator";

using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

// A complete checkpoint found in a root folder, with what orders it among the others.
struct StoredCheckpoint {
  fs::path folder;
  std::int64_t stage_index = 0;
  std::int64_t optimizer_step = 0;
  bool operator<(const StoredCheckpoint& other) const {
    return std::tie(stage_index, optimizer_step) < std::tie(other.stage_index, other.optimizer_step);
  }
};

std::string folder_name(const TrainingCheckpoint& checkpoint) {
  return checkpoint.stage + "-step-" + std::to_string(checkpoint.optimizer_step);
}

void check_writable(const TrainingCheckpoint& checkpoint) {
  const std::string& stage = checkpoint.stage;
  if (stage.empty() || stage.front() == '.' || stage.find('/') != std::string::npos) {
    throw std::invalid_argument("checkpoint stage name '" + stage +
                                "' must be non-empty, not start with '.' and hold no '/'");
  }
  if (!checkpoint.metrics.is_object()) {
    throw std::invalid_argument("checkpoint metrics must be a JSON object, not " +
                                std::string(checkpoint.metrics.type_name()));
  }
}

std::string trainer_state_text(const TrainingCheckpoint& checkpoint) {
  const json state = {{"stage", checkpoint.stage},
                      {"stage_index", checkpoint.stage_index},
                      {"optimizer_step", checkpoint.optimizer_step},
                      {"epoch", checkpoint.epoch},
                      {"micro_batches_in_epoch", checkpoint.micro_batches_in_epoch},
                      {"schedule_step", checkpoint.schedule_step},
                      {"metrics", checkpoint.metrics}};
  return state.dump(2) + "\n";
}

fs::path shard_staging_folder(const fs::path& root, const std::string& name) {
  return root / ("." + name + ".shards");
}

void write_files(const fs::path& root, const fs::path& folder, const TrainingCheckpoint& checkpoint) {
  write_safetensors(folder / kSafetensorsFileName, checkpoint.weights);
  write_safetensors(folder / kOptimizerFile, checkpoint.optimizer_state);
  const fs::path staging = shard_staging_folder(root, folder_name(checkpoint));
  for (int rank = 1; rank < checkpoint.optimizer_shards; ++rank) {
    const fs::path shard = optimizer_shard_file(staging, rank);
    if (!fs::exists(shard)) throw std::runtime_error("rank " + std::to_string(rank) + "'s optimizer shard " +
                                                     shard.string() + " was not written");
    fs::rename(shard, optimizer_shard_file(folder, rank));
  }
  NamedTensors random_states = checkpoint.other_random_states;
  random_states.emplace_back(kCpuGeneratorKey, checkpoint.cpu_generator_state);
  if (checkpoint.cuda_generator_state.defined()) {
    random_states.emplace_back(kCudaGeneratorKey, checkpoint.cuda_generator_state);
  }
  write_safetensors(folder / kRandomStateFile, random_states);
  write_file_atomically(folder / kConfigFile, checkpoint.config_toml);
  // Last: its presence is what marks a folder as a checkpoint, should one be copied file by file.
  write_file_atomically(folder / kTrainerStateFile, trainer_state_text(checkpoint));
}

std::string read_text(const fs::path& file) {
  if (!fs::is_regular_file(file)) throw std::runtime_error(file.string() + ": no such file");
  std::ifstream stream(file, std::ios::binary);
  std::ostringstream text;
  text << stream.rdbuf();
  if (!stream) throw std::runtime_error(file.string() + ": cannot read");
  return text.str();
}

json read_json(const fs::path& file) {
  try {
    return json::parse(read_text(file));
  } catch (const json::parse_error& error) {
    throw std::runtime_error(file.string() + ": malformed JSON: " + error.what());
  }
}

template <typename Value>
Value required(const json& state, const fs::path& file, const std::string& key) {
  const auto found = state.find(key);
  if (found == state.end()) throw std::runtime_error(file.string() + ": missing key '" + key + "'");
  try {
    return found->get<Value>();
  } catch (const json::type_error& error) {
    throw std::runtime_error(file.string() + ": key '" + key + "' has the wrong type: " + error.what());
  }
}

NamedTensors read_tensors(const fs::path& file) {
  if (!fs::is_regular_file(file)) throw std::runtime_error(file.string() + ": no such file");
  const SafetensorsReader reader = SafetensorsReader::open(file);
  NamedTensors tensors;
  for (const std::string& name : reader.names()) tensors.emplace_back(name, reader.get(name));
  return tensors;
}

// The checkpoint in `folder`, or nullopt for anything that is not one: a hidden (partial)
// folder, a file, a folder without a readable trainer_state.json.
std::optional<StoredCheckpoint> stored_checkpoint(const fs::directory_entry& entry) {
  const std::string name = entry.path().filename().string();
  if (name.empty() || name.front() == '.' || !entry.is_directory()) return std::nullopt;
  try {
    const fs::path file = entry.path() / kTrainerStateFile;
    const json state = read_json(file);
    return StoredCheckpoint{entry.path(), required<std::int64_t>(state, file, "stage_index"),
                            required<std::int64_t>(state, file, "optimizer_step")};
  } catch (const std::runtime_error&) {
    return std::nullopt;
  }
}

std::vector<StoredCheckpoint> stored_checkpoints_oldest_first(const fs::path& root) {
  std::vector<StoredCheckpoint> found;
  if (!fs::is_directory(root)) return found;
  for (const auto& entry : fs::directory_iterator(root)) {
    if (auto checkpoint = stored_checkpoint(entry)) found.push_back(*checkpoint);
  }
  std::sort(found.begin(), found.end());
  return found;
}

void remove_checkpoint(const fs::path& folder) {
  // Hidden first, in one rename: a crash halfway through removing the files must not leave a
  // folder that still looks like a checkpoint to resume from.
  const fs::path doomed = folder.parent_path() /
                          ("." + folder.filename().string() + ".removing-" + std::to_string(::getpid()));
  fs::rename(folder, doomed);
  fs::remove_all(doomed);
}

// Only the written checkpoint's own stage is pruned: an earlier stage's last checkpoints are its
// result, what the next stage started from (LLaVA's pre-trained projector), and stay.
void keep_most_recent(const fs::path& root, std::size_t keep_last, std::int64_t stage_index,
                      const std::string& just_written) {
  if (keep_last == 0) return;
  std::vector<StoredCheckpoint> same_stage;
  for (const StoredCheckpoint& checkpoint : stored_checkpoints_oldest_first(root)) {
    if (checkpoint.stage_index == stage_index) same_stage.push_back(checkpoint);
  }
  if (same_stage.size() <= keep_last) return;
  const std::size_t excess = same_stage.size() - keep_last;
  for (std::size_t i = 0; i < excess; ++i) {
    if (same_stage[i].folder.filename() != just_written) remove_checkpoint(same_stage[i].folder);
  }
}

}  // namespace

fs::path write_training_checkpoint(const fs::path& root, const TrainingCheckpoint& checkpoint,
                                   std::size_t keep_last) {
  check_writable(checkpoint);
  const std::string name = folder_name(checkpoint);
  const fs::path folder = root / name;
  if (fs::exists(folder)) throw std::runtime_error(folder.string() + ": a checkpoint of that name already exists");
  fs::create_directories(root);

  const fs::path partial = root / ("." + name + ".partial-" + std::to_string(::getpid()));
  fs::remove_all(partial);  // left by an earlier crash of a process with our pid
  fs::create_directory(partial);
  try {
    write_files(root, partial, checkpoint);
    // Only an empty folder created since the check above could be replaced here (rename(2) refuses
    // a non-empty one), and an empty folder is no checkpoint.
    fs::rename(partial, folder);
    sync_folder(root);
    if (checkpoint.optimizer_shards > 1) fs::remove_all(shard_staging_folder(root, name));
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(partial, ignored);
    throw;
  }
  keep_most_recent(root, keep_last, checkpoint.stage_index, name);
  return folder;
}

void write_optimizer_shard(const fs::path& root, const std::string& stage, std::int64_t optimizer_step, int rank,
                           const NamedTensors& state) {
  if (rank < 1) throw std::invalid_argument("rank 0's optimizer state goes into the checkpoint itself");
  const fs::path staging = shard_staging_folder(root, stage + "-step-" + std::to_string(optimizer_step));
  fs::create_directories(staging);
  write_safetensors(optimizer_shard_file(staging, rank), state);
}

fs::path optimizer_shard_file(const fs::path& folder, int rank) {
  if (rank == 0) return folder / kOptimizerFile;
  return folder / ("optimizer.rank-" + std::to_string(rank) + ".safetensors");
}

NamedTensors read_optimizer_shard(const fs::path& folder, int rank) {
  const fs::path file = optimizer_shard_file(folder, rank);
  if (!fs::exists(file)) {
    throw std::runtime_error(file.string() + " is missing: the checkpoint holds no optimizer state for rank " +
                             std::to_string(rank) + " (was it written by fewer processes, or without ZeRO-2?)");
  }
  return read_tensors(file);
}

TrainingCheckpoint read_training_checkpoint(const fs::path& folder) {
  TrainingCheckpoint checkpoint;
  checkpoint.folder = folder;
  const fs::path state_file = folder / kTrainerStateFile;
  const json state = read_json(state_file);
  checkpoint.stage = required<std::string>(state, state_file, "stage");
  checkpoint.stage_index = required<std::int64_t>(state, state_file, "stage_index");
  checkpoint.optimizer_step = required<std::int64_t>(state, state_file, "optimizer_step");
  checkpoint.epoch = required<std::int64_t>(state, state_file, "epoch");
  checkpoint.micro_batches_in_epoch = required<std::int64_t>(state, state_file, "micro_batches_in_epoch");
  checkpoint.schedule_step = required<std::int64_t>(state, state_file, "schedule_step");
  checkpoint.metrics = required<json>(state, state_file, "metrics");
  if (!checkpoint.metrics.is_object()) {
    throw std::runtime_error(state_file.string() + ": key 'metrics' must be a JSON object");
  }

  checkpoint.weights = read_tensors(folder / kSafetensorsFileName);
  checkpoint.optimizer_state = read_tensors(folder / kOptimizerFile);
  for (auto& [name, tensor] : read_tensors(folder / kRandomStateFile)) {
    if (name == kCpuGeneratorKey) {
      checkpoint.cpu_generator_state = tensor;
    } else if (name == kCudaGeneratorKey) {
      checkpoint.cuda_generator_state = tensor;
    } else {
      checkpoint.other_random_states.emplace_back(name, tensor);
    }
  }
  if (!checkpoint.cpu_generator_state.defined()) {
    throw std::runtime_error((folder / kRandomStateFile).string() + ": missing key '" + kCpuGeneratorKey + "'");
  }
  checkpoint.config_toml = read_text(folder / kConfigFile);
  return checkpoint;
}

std::optional<fs::path> latest_training_checkpoint(const fs::path& root) {
  const auto checkpoints = stored_checkpoints_oldest_first(root);
  if (checkpoints.empty()) return std::nullopt;
  return checkpoints.back().folder;
}

}  // namespace vdep
