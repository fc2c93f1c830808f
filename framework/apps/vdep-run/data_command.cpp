// `vdep-run data shapes`: the procedural shapes dataset as PNG images and LLaVA-format JSON
// (blip_laion_cc_sbu_558k.json for pre-training, llava_v1_5_mix665k.json for SFT), so that it trains
// through the same data path as LLaVA's own sets.
#include <chrono>
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "commands.h"
#include "usage_error.h"

#if VDEP_WITH_IMAGE_CODECS
#include "data/shapes_caption.h"
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

// Logs how far generation has got and how long the rest should take, every few seconds.
class ProgressLog {
 public:
  explicit ProgressLog(std::int64_t total) : total_(total), start_(Clock::now()), last_(start_) {}

  void done(std::int64_t finished) {
    const Clock::time_point now = Clock::now();
    if (now - last_ < std::chrono::seconds(5) || finished == total_) return;
    last_ = now;
    const double rate = finished / seconds_since_start();
    spdlog::info("shapes: {}/{} scenes ({:.0f}/s), about {:.0f} s left", finished, total_, rate,
                 (total_ - finished) / rate);
  }

  double seconds_since_start() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

 private:
  using Clock = std::chrono::steady_clock;
  std::int64_t total_;
  Clock::time_point start_;
  Clock::time_point last_;
};

void write_json(const std::filesystem::path& path, const Json& records) {
  write_file_atomically(path, records.dump(2) + "\n");
}

}  // namespace
#endif

int run_data_command(const CommandLine& line) {
#if VDEP_WITH_IMAGE_CODECS
  const std::filesystem::path& out = line.out;
  std::filesystem::create_directories(out / "images");
  std::filesystem::create_directories(out / "eval_images");
  ShapesOptions options;
  options.image_size = static_cast<int>(line.image_size);
  const std::int64_t eval_scenes = (line.count + kTrainScenesPerEvalScene - 1) / kTrainScenesPerEvalScene;
  ProgressLog progress(line.count + eval_scenes);

  Json pretrain = Json::array();
  Json sft = Json::array();
  std::size_t sft_turns = 0;
  for (std::int64_t index = 0; index < line.count; ++index) {
    const auto key = static_cast<std::uint64_t>(index);
    const ShapesScene scene = generate_scene(line.seed, key, options, ShapesSplit::Train);
    const std::string image = "images/" + image_name(index);
    write_png_rgb(out / image, render_scene(scene));

    ShapesRandom caption_random({line.seed, key, static_cast<std::uint64_t>(ShapesSplit::Train), kCaptionStream});
    pretrain.push_back(Json{{"id", record_id("train", index)},
                            {"image", image},
                            {"conversations", Json::array({turn("human", "<image>\n" + caption_prompt(caption_random)),
                                                           turn("gpt", caption(scene))})}});

    ShapesRandom question_random({line.seed, key, static_cast<std::uint64_t>(ShapesSplit::Train), kQuestionStream});
    const int turns = question_random.between(2, 4);
    Json conversation = Json::array();
    for (const ShapesQuestion& question : ask_questions(scene, question_random, turns)) {
      const std::string prefix = conversation.empty() ? "<image>\n" : "";
      conversation.push_back(turn("human", prefix + question.question + kShortAnswerInstruction));
      conversation.push_back(turn("gpt", question.answer));
      ++sft_turns;
    }
    sft.push_back(Json{{"id", record_id("train", index)}, {"image", image}, {"conversations", std::move(conversation)}});
    progress.done(index + 1);
  }

  Json eval = Json::array();
  for (std::int64_t index = 0; index < eval_scenes; ++index) {
    const auto key = static_cast<std::uint64_t>(index);
    const ShapesScene scene = generate_scene(line.seed, key, options, ShapesSplit::Eval);
    const std::string image = "eval_images/" + image_name(index);
    write_png_rgb(out / image, render_scene(scene));

    ShapesRandom question_random({line.seed, key, static_cast<std::uint64_t>(ShapesSplit::Eval), kQuestionStream});
    int number = 0;
    for (const ShapesQuestion& question : ask_questions(scene, question_random, kEvalQuestionsPerScene)) {
      eval.push_back(Json{{"id", record_id("eval", index) + "-" + std::to_string(number++)},
                          {"image", image},
                          {"category", category_name(question.category)},
                          {"conversations",
                           Json::array({turn("human", "<image>\n" + question.question + kShortAnswerInstruction),
                                        turn("gpt", question.answer)})}});
    }
    progress.done(line.count + index + 1);
  }

  // The JSON files last: each names only images already on disk.
  write_json(out / "pretrain.json", pretrain);
  write_json(out / "sft.json", sft);
  write_json(out / "eval.json", eval);
  std::printf("wrote %lld training scenes (pretrain.json: %zu captions; sft.json: %zu conversations, %zu turns) and "
              "%lld held-out scenes (eval.json: %zu questions) to %s in %.1f s\n",
              static_cast<long long>(line.count), pretrain.size(), sft.size(), sft_turns,
              static_cast<long long>(eval_scenes), eval.size(), out.string().c_str(), progress.seconds_since_start());
  return 0;
#else
  throw UsageError(
      "this vdep was built without image codecs (VDEP_WITH_IMAGE_CODECS=OFF): data shapes needs them to write PNGs");
#endif
}

}  // namespace vdep
