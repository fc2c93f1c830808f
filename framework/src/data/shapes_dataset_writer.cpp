// write_shapes_dataset: the procedural shapes scenes as PNG images and LLaVA-format JSON
// (blip_laion_cc_sbu_558k.json for pre-training, llava_v1_5_mix665k.json for SFT), so that they
// train through the same data path as LLaVA's own sets.
#include <vdep/shapes_dataset.h>

#include <stdexcept>

#if VDEP_WITH_IMAGE_CODECS
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <system_error>
#include <utility>

#include <unistd.h>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "data/shapes_caption.h"
#include "data/shapes_dataset_options_file.h"
#include "data/shapes_questions.h"
#include "data/shapes_renderer.h"
#include "data/shapes_scene.h"
#include "image/png_encoder.h"
#include "io/atomic_file.h"
#endif

namespace vdep {

#if VDEP_WITH_IMAGE_CODECS
namespace {

// Keys of the text streams, apart from the scene's own, drawn from the same (seed, index, split).
constexpr std::uint64_t kCaptionStream = 0x43415054;  // "CAPT"
constexpr std::uint64_t kQuestionStream = 0x51554553;  // "QUES"
// One held-out scene for every ten training scenes, three questions on each.
constexpr std::int64_t kTrainScenesPerEvalScene = 10;
constexpr int kEvalQuestionsPerScene = 3;
// LLaVA-1.5's instruction for short answers (its VQA data in the 665k mix).
const std::string kShortAnswerInstruction = "\nAnswer the question using a single word or phrase.";

using Json = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

std::string scene_number(std::int64_t index) {
  char digits[32];
  std::snprintf(digits, sizeof digits, "%07lld", static_cast<long long>(index));
  return digits;
}

std::string image_name(std::int64_t index) { return scene_number(index) + ".png"; }

std::string record_id(const char* split, std::int64_t index) {
  return std::string("shapes-") + split + "-" + scene_number(index);
}

Json turn(const char* from, const std::string& value) { return Json{{"from", from}, {"value", value}}; }

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Logs how far generation has got and how long the rest should take, every few seconds.
class ProgressLog {
 public:
  explicit ProgressLog(std::int64_t total) : total_(total), start_(Clock::now()), last_(start_) {}

  void done(std::int64_t finished) {
    const Clock::time_point now = Clock::now();
    if (now - last_ < std::chrono::seconds(5) || finished == total_) return;
    last_ = now;
    const double rate = finished / seconds_since(start_);
    spdlog::info("shapes: {}/{} scenes ({:.0f}/s), about {:.0f} s left", finished, total_, rate,
                 (total_ - finished) / rate);
  }

 private:
  std::int64_t total_;
  Clock::time_point start_;
  Clock::time_point last_;
};

// The folder generation writes into, beside the target so that renaming it there is atomic; removed
// with all it holds unless it has been renamed away.
class StagingFolder {
 public:
  explicit StagingFolder(const std::filesystem::path& target) : path_(staging_path(target)) {
    std::filesystem::create_directory(path_);
  }
  ~StagingFolder() {
    std::error_code ignored;
    if (!moved_) std::filesystem::remove_all(path_, ignored);
  }
  StagingFolder(const StagingFolder&) = delete;
  StagingFolder& operator=(const StagingFolder&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Renames the folder to `target`; false, leaving it to be removed, when `target` holds files.
  bool move_to(const std::filesystem::path& target) {
    std::error_code error;
    std::filesystem::rename(path_, target, error);
    if (error == std::errc::directory_not_empty || error == std::errc::file_exists) return false;
    if (error) throw std::filesystem::filesystem_error("cannot rename the generated dataset", path_, target, error);
    moved_ = true;
    return true;
  }

 private:
  // Unique across processes (the pid) and across threads of one process (the counter).
  static std::filesystem::path staging_path(const std::filesystem::path& target) {
    static std::atomic<unsigned> counter{0};
    return target.parent_path() / ("." + target.filename().string() + ".partial-" + std::to_string(::getpid()) +
                                   "-" + std::to_string(counter++));
  }

  std::filesystem::path path_;
  bool moved_ = false;
};

// Scene `index` of `split`, drawn and written as a PNG below `out`; `image` is its path relative to
// `out`, as records name it.
struct WrittenScene {
  ShapesScene scene;
  std::string image;
};

WrittenScene write_scene(const std::filesystem::path& out, const ShapesDatasetOptions& options, ShapesSplit split,
                         std::int64_t index) {
  ShapesOptions scene_options;
  scene_options.image_size = options.image_size;
  scene_options.max_shapes = options.max_shapes;
  WrittenScene written{generate_scene(options.seed, static_cast<std::uint64_t>(index), scene_options, split),
                       (split == ShapesSplit::Train ? "images/" : "eval_images/") + image_name(index)};
  write_png_rgb(out / written.image, render_scene(written.scene));
  return written;
}

// The text stream `stream` of scene `index` of `split`: apart from the scene's own stream, so that
// the wording never changes the scene.
ShapesRandom text_random(const ShapesDatasetOptions& options, ShapesSplit split, std::int64_t index,
                         std::uint64_t stream) {
  return ShapesRandom({options.seed, static_cast<std::uint64_t>(index), static_cast<std::uint64_t>(split), stream});
}

void write_json(const std::filesystem::path& path, const Json& records) {
  write_file_atomically(path, records.dump(2) + "\n");
}

// Writes the images, the three JSON files of records and shapes.json into `out`, the JSON last: each
// record names only images already on disk.
ShapesDatasetSummary write_scenes(const std::filesystem::path& out, const ShapesDatasetOptions& options) {
  std::filesystem::create_directory(out / "images");
  std::filesystem::create_directory(out / "eval_images");
  ShapesDatasetSummary summary;
  summary.training_scenes = options.scenes;
  summary.eval_scenes = (options.scenes + kTrainScenesPerEvalScene - 1) / kTrainScenesPerEvalScene;
  ProgressLog progress(summary.training_scenes + summary.eval_scenes);

  Json pretrain = Json::array();
  Json sft = Json::array();
  for (std::int64_t index = 0; index < summary.training_scenes; ++index) {
    const WrittenScene written = write_scene(out, options, ShapesSplit::Train, index);

    ShapesRandom caption_random = text_random(options, ShapesSplit::Train, index, kCaptionStream);
    pretrain.push_back(Json{{"id", record_id("train", index)},
                            {"image", written.image},
                            {"conversations", Json::array({turn("human", "<image>\n" + caption_prompt(caption_random)),
                                                           turn("gpt", caption(written.scene))})}});

    ShapesRandom question_random = text_random(options, ShapesSplit::Train, index, kQuestionStream);
    const int turns = question_random.between(2, 4);
    Json conversation = Json::array();
    for (const ShapesQuestion& question : ask_questions(written.scene, question_random, turns)) {
      const std::string prefix = conversation.empty() ? "<image>\n" : "";
      conversation.push_back(turn("human", prefix + question.question + kShortAnswerInstruction));
      conversation.push_back(turn("gpt", question.answer));
      ++summary.sft_questions;
    }
    sft.push_back(Json{{"id", record_id("train", index)}, {"image", written.image}, {"conversations", std::move(conversation)}});
    progress.done(index + 1);
  }

  Json eval = Json::array();
  for (std::int64_t index = 0; index < summary.eval_scenes; ++index) {
    const WrittenScene written = write_scene(out, options, ShapesSplit::Eval, index);

    ShapesRandom question_random = text_random(options, ShapesSplit::Eval, index, kQuestionStream);
    int number = 0;
    for (const ShapesQuestion& question : ask_questions(written.scene, question_random, kEvalQuestionsPerScene)) {
      eval.push_back(Json{{"id", record_id("eval", index) + "-" + std::to_string(number++)},
                          {"image", written.image},
                          {"category", category_name(question.category)},
                          {"conversations",
                           Json::array({turn("human", "<image>\n" + question.question + kShortAnswerInstruction),
                                        turn("gpt", question.answer)})}});
    }
    progress.done(summary.training_scenes + index + 1);
  }

  write_json(out / "pretrain.json", pretrain);
  write_json(out / "sft.json", sft);
  write_json(out / "eval.json", eval);
  write_file_atomically(out / kShapesOptionsFileName, shapes_options_json(options));
  summary.captions = pretrain.size();
  summary.conversations = sft.size();
  summary.eval_questions = eval.size();
  return summary;
}

}  // namespace
#endif

ShapesDatasetSummary write_shapes_dataset(const std::filesystem::path& folder, const ShapesDatasetOptions& options) {
#if VDEP_WITH_IMAGE_CODECS
  if (options.scenes < 1) {
    throw std::invalid_argument("shapes dataset: scenes must be >= 1 (got " + std::to_string(options.scenes) + ")");
  }
  const Clock::time_point start = Clock::now();
  std::filesystem::path target = std::filesystem::absolute(folder).lexically_normal();
  if (!target.has_filename()) target = target.parent_path();  // "out/" names the folder "out"
  ShapesDatasetSummary summary;
  // Checked first so as not to generate for minutes only to throw the result away.
  std::error_code error;
  if (std::filesystem::is_directory(target, error) && !std::filesystem::is_empty(target, error)) return summary;
  std::filesystem::create_directories(target.parent_path());

  spdlog::info("shapes: generating {} training scenes into {}", options.scenes, target.string());
  StagingFolder staging(target);
  summary = write_scenes(staging.path(), options);
  summary.written = staging.move_to(target);
  summary.seconds = seconds_since(start);
  return summary;
#else
  (void)options;
  throw std::runtime_error("cannot write the shapes dataset to " + folder.string() +
                           ": this vdep was built without image codecs (VDEP_WITH_IMAGE_CODECS=OFF), which it "
                           "needs to write PNGs");
#endif
}

}  // namespace vdep
