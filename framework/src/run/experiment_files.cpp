#include "run/experiment_files.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>

#include <vdep/llava_annotations.h>

#include "config/key_path.h"
#include "config/value_origin.h"
#include "tensors/hf_weight_files.h"
#include "tensors/safetensors_index.h"

namespace vdep {

namespace fs = std::filesystem;

namespace {

// Records of each llava_json dataset whose image is looked for. Spread over the file rather than the
// first ones, so that mix-665K's several image folders (coco, gqa, ocr_vqa, textvqa, vg) are likely
// all visited.
constexpr std::size_t kSampledRecords = 64;

// The path a string value names, or nothing for an absent, unset or mistyped value.
std::optional<fs::path> path_value(const toml::node* node) {
  if (node == nullptr || !node->is_string() || node->as_string()->get().empty()) return std::nullopt;
  return fs::path(node->as_string()->get());
}

class MissingFileCollector {
 public:
  explicit MissingFileCollector(const fs::path& experiment_file)
      : experiment_file_(fs::absolute(experiment_file).lexically_normal().string()) {}

  void report(const toml::node& asker, const std::string& key, const std::string& message) {
    diagnostics_.push_back(diagnostic_at(asker.source(), key, message, experiment_file_));
  }

  void require(const fs::path& file, const toml::node& asker, const std::string& key, const std::string& why) {
    if (!fs::exists(file)) report(asker, key, "file not found: " + file.string() + " (" + why + ")");
  }

  std::vector<ConfigDiagnostic> take() { return std::move(diagnostics_); }

 private:
  std::string experiment_file_;
  std::vector<ConfigDiagnostic> diagnostics_;
};

// An HF checkpoint folder, as SafetensorsReader::open and the plugins' config readers want it. A
// `weights` that names a file is the plugin's business.
void check_weights_folder(const toml::table& block, const std::string& block_key, MissingFileCollector& missing) {
  const toml::node* weights = block.get("weights");
  const std::optional<fs::path> folder = path_value(weights);
  if (!folder || !fs::is_directory(*folder)) return;
  const std::string key = child_key_path(block_key, "weights");
  missing.require(*folder / "config.json", *weights, key, "the model's dimensions");
  if (fs::exists(*folder / kSafetensorsFileName)) return;
  const fs::path index = *folder / kSafetensorsIndexFileName;
  if (!fs::exists(index)) {
    missing.report(*weights, key,
                   "file not found: " + (*folder / kSafetensorsFileName).string() +
                       " (the weights; or " + kSafetensorsIndexFileName + " and its shards)");
    return;
  }
  try {
    std::set<fs::path> shards;
    for (const auto& [tensor, shard] : read_safetensors_index(index)) shards.insert(shard);
    for (const fs::path& shard : shards) missing.require(shard, *weights, key, "a shard model.safetensors.index.json names");
  } catch (const std::runtime_error& error) {
    missing.report(*weights, key, error.what());
  }
}

// What load_tokenizer reads: tokenizer.model (SentencePiece) or vocab.json + merges.txt (byte-level BPE).
void check_tokenizer(const toml::table& config, MissingFileCollector& missing) {
  const toml::node* tokenizer = config.get("tokenizer");
  std::string key = "tokenizer";
  std::string defaulted;
  if (tokenizer == nullptr) {
    tokenizer = config.at_path("llm.weights").node();
    key = "llm.weights";
    defaulted = "; the tokenizer defaults to the llm's weights folder";
  }
  const std::optional<fs::path> path = path_value(tokenizer);
  if (!path) return;
  if (fs::is_directory(*path)) {
    if (fs::exists(*path / "tokenizer.model")) return;
    if (fs::exists(*path / "vocab.json")) {
      missing.require(*path / "merges.txt", *tokenizer, key, "the BPE merges that go with vocab.json" + defaulted);
      return;
    }
    missing.report(*tokenizer, key,
                   "file not found: " + (*path / "tokenizer.model").string() +
                       " (the tokenizer; or vocab.json + merges.txt" + defaulted + ")");
  } else if (path->extension() == ".json" && fs::exists(*path)) {
    missing.require(path->parent_path() / "merges.txt", *tokenizer, key, "the BPE merges that go with vocab.json");
  }
}

// A sample of the records' images, as the llava_json plugin resolves them (relative to
// `image_folder`, by default the annotation file's folder). A missing folder is reported once.
void check_llava_images(const toml::table& block, const std::string& block_key, MissingFileCollector& missing) {
  const toml::node* annotations_node = block.get("annotations");
  const std::optional<fs::path> annotations_path = path_value(annotations_node);
  if (!annotations_path || !fs::is_regular_file(*annotations_path)) return;
  const toml::node* folder_node = block.get("image_folder");
  std::optional<fs::path> folder = path_value(folder_node);
  std::string key = child_key_path(block_key, "image_folder");
  if (folder && !fs::is_directory(*folder)) return;
  if (!folder) {
    folder = annotations_path->parent_path();
    folder_node = annotations_node;
    key = child_key_path(block_key, "annotations");
  }

  try {
    const LlavaAnnotations annotations = LlavaAnnotations::open(*annotations_path);
    const std::int64_t limit = block["limit"].value_or(std::int64_t{0});
    const std::size_t records =
        limit > 0 ? std::min(annotations.size(), static_cast<std::size_t>(limit)) : annotations.size();
    const std::size_t sampled = std::min(records, kSampledRecords);
    const std::string sample_note = "; checked the images of " + std::to_string(sampled) + " of " +
                                    std::to_string(records) + " records, spread over the file";
    std::set<fs::path> missing_folders;
    for (std::size_t i = 0; i < sampled; ++i) {
      const std::size_t index = i * records / sampled;
      const LlavaRecord record = annotations.record(index);
      if (!record.image) continue;
      const fs::path image = (*folder / *record.image).lexically_normal();
      const std::string named_by = "record " + std::to_string(index) + "'s image " + *record.image;
      if (!fs::is_directory(image.parent_path())) {
        if (missing_folders.insert(image.parent_path()).second) {
          missing.report(*folder_node, key,
                         "folder not found: " + image.parent_path().string() + " (" + named_by + sample_note + ")");
        }
      } else {
        missing.require(image, *folder_node, key, named_by + sample_note);
      }
    }
  } catch (const std::runtime_error& error) {  // an unreadable file or a malformed record
    missing.report(*annotations_node, child_key_path(block_key, "annotations"), error.what());
  }
}

}  // namespace

std::vector<ConfigDiagnostic> missing_experiment_files(const toml::table& config, const fs::path& experiment_file) {
  MissingFileCollector missing(experiment_file);
  for (const char* block_key : {"encoder", "llm"}) {
    if (const toml::table* block = config.get_as<toml::table>(block_key)) check_weights_folder(*block, block_key, missing);
  }
  check_tokenizer(config, missing);
  // llava_json is the one dataset plugin whose files the host can read itself (llava_annotations.h).
  if (const toml::array* stages = config.get_as<toml::array>("stage")) {
    for (std::size_t s = 0; s < stages->size(); ++s) {
      const toml::array* datasets = toml::node_view<const toml::node>(stages->get(s))["datasets"].as_array();
      if (datasets == nullptr) continue;
      const std::string datasets_key = child_key_path(element_key_path("stage", s), "datasets");
      for (std::size_t d = 0; d < datasets->size(); ++d) {
        const toml::table* block = datasets->get(d)->as_table();
        if (block == nullptr || (*block)["plugin"].value_or(std::string()) != "llava_json") continue;
        check_llava_images(*block, element_key_path(datasets_key, d), missing);
      }
    }
  }
  return missing.take();
}

}  // namespace vdep
