// The `shapes` plugin: generating its folder on first use (once, also when several creations race)
// and reading each split of it, and write_shapes_dataset leaving nothing behind when it fails.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <vdep/dataset.h>
#include <vdep/shapes_dataset.h>

#include "support/bundled_plugins.h"
#include "support/temporary_folder.h"
#include "support/text_file.h"

namespace vdep {
namespace {

// Small images: the tests are about files and records, not pixels.
constexpr std::int64_t kImageSize = 64;

std::unique_ptr<Dataset> create_shapes(const std::filesystem::path& folder, const std::string& split,
                                       std::int64_t scenes, std::int64_t seed = 0, std::int64_t max_shapes = 4) {
  Params params("shapes");
  params.set("folder", folder.string());
  params.set("split", split);
  params.set("scenes", scenes);
  params.set("seed", seed);
  params.set("image_size", kImageSize);
  params.set("max_shapes", max_shapes);
  params.set("images", true);
  return test::bundled_plugins().create_as<Dataset>(PluginKind::Dataset, "shapes", params);
}

std::string creation_error(const std::filesystem::path& folder, const std::string& split, std::int64_t scenes) {
  try {
    create_shapes(folder, split, scenes);
  } catch (const std::exception& error) {
    return error.what();
  }
  ADD_FAILURE() << "creating the dataset succeeded but should have failed";
  return "";
}

std::set<std::string> entries(const std::filesystem::path& folder) {
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) names.insert(entry.path().filename().string());
  return names;
}

std::map<std::filesystem::path, std::filesystem::file_time_type> modification_times(const std::filesystem::path& folder) {
  std::map<std::filesystem::path, std::filesystem::file_time_type> times;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(folder)) {
    if (entry.is_regular_file()) times[entry.path()] = entry.last_write_time();
  }
  return times;
}

bool starts_with(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

using ShapesDatasetTest = test::TemporaryFolderTest;

TEST_F(ShapesDatasetTest, GeneratesTheFolderOnFirstUseAndReadsEachSplit) {
  const auto folder = folder_ / "shapes";
  const auto pretrain = create_shapes(folder, "pretrain", 5);
  ASSERT_EQ(pretrain->size(), 5u);
  EXPECT_EQ(pretrain->describe(), "shapes: " + (folder / "pretrain.json").string() + ", 5 records");
  for (std::size_t i = 0; i < 5; ++i) {
    SCOPED_TRACE(i);
    const DatasetExample example = pretrain->example(i);
    EXPECT_EQ(example.id, "shapes-train-000000" + std::to_string(i));
    ASSERT_EQ(example.images.size(), 1u);
    EXPECT_EQ(example.images[0], folder / "images" / ("000000" + std::to_string(i) + ".png"));
    EXPECT_TRUE(std::filesystem::is_regular_file(example.images[0]));
    ASSERT_EQ(example.conversations.size(), 2u);
    EXPECT_EQ(example.conversations[0].from, "human");
    EXPECT_TRUE(starts_with(example.conversations[0].value, "<image>\n")) << example.conversations[0].value;
    EXPECT_EQ(example.conversations[1].from, "gpt");
    EXPECT_FALSE(example.conversations[1].value.empty());
  }

  const auto sft = create_shapes(folder, "sft", 5);
  ASSERT_EQ(sft->size(), 5u);
  for (std::size_t i = 0; i < 5; ++i) {
    SCOPED_TRACE(i);
    const DatasetExample example = sft->example(i);
    EXPECT_EQ(example.images, pretrain->example(i).images) << "a scene's questions ask about its caption's image";
    const std::size_t turns = example.conversations.size();
    EXPECT_TRUE(turns == 4 || turns == 6 || turns == 8) << turns << " turns: 2 to 4 questions, each answered";
    for (std::size_t turn = 0; turn < turns; ++turn) {
      const ConversationTurn& said = example.conversations[turn];
      EXPECT_EQ(said.from, turn % 2 == 0 ? "human" : "gpt");
      EXPECT_EQ(starts_with(said.value, "<image>\n"), turn == 0) << said.value;
      EXPECT_EQ(said.value.find("<image>", 1), std::string::npos) << said.value;
    }
  }

  // One held-out scene for five training scenes (one per ten, rounded up), three questions on it.
  const auto eval = create_shapes(folder, "eval", 5);
  ASSERT_EQ(eval->size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    const DatasetExample example = eval->example(i);
    EXPECT_EQ(example.id, "shapes-eval-0000000-" + std::to_string(i));
    EXPECT_EQ(example.images, std::vector<std::filesystem::path>{folder / "eval_images" / "0000000.png"});
    EXPECT_EQ(example.conversations.size(), 2u);
  }

  EXPECT_EQ(entries(folder_), std::set<std::string>{"shapes"}) << "no temporary folder left beside it";
  EXPECT_EQ(entries(folder),
            (std::set<std::string>{"eval.json", "eval_images", "images", "pretrain.json", "sft.json", "shapes.json"}));
  const std::optional<ShapesDatasetOptions> generated = read_shapes_dataset_options(folder);
  ASSERT_TRUE(generated.has_value());
  EXPECT_EQ(generated->scenes, 5);
  EXPECT_EQ(generated->seed, 0u);
  EXPECT_EQ(generated->image_size, kImageSize);
  EXPECT_EQ(generated->max_shapes, 4);
}

TEST_F(ShapesDatasetTest, MaxShapesLimitsTheGeneratedScenes) {
  const auto captions = [](const Dataset& dataset) {
    std::vector<std::string> text;
    for (std::size_t i = 0; i < dataset.size(); ++i) text.push_back(dataset.example(i).conversations.back().value);
    return text;
  };
  // One shape: every caption names a single one ("a red circle"); four allow lists ("a ..., a ... and ...").
  for (const std::string& caption : captions(*create_shapes(folder_ / "one", "pretrain", 30, 0, 1))) {
    EXPECT_EQ(caption.find(" and "), std::string::npos) << caption;
  }
  std::size_t lists = 0;
  for (const std::string& caption : captions(*create_shapes(folder_ / "four", "pretrain", 30, 0, 4))) {
    lists += caption.find(" and ") != std::string::npos ? 1 : 0;
  }
  EXPECT_GT(lists, 10u);
}

TEST_F(ShapesDatasetTest, TextOnlyRecordsLoseTheirImagesAndMarkersOnly) {
  const auto folder = folder_ / "shapes";
  const auto with_images = create_shapes(folder, "sft", 3);
  Params params("shapes");
  params.set("folder", folder.string());
  params.set("split", "sft");
  params.set("scenes", std::int64_t{0});
  params.set("images", false);
  const auto text_only = test::bundled_plugins().create_as<Dataset>(PluginKind::Dataset, "shapes", params);
  ASSERT_EQ(text_only->size(), 3u);
  EXPECT_EQ(text_only->describe(), with_images->describe() + ", text only");
  for (std::size_t i = 0; i < 3; ++i) {
    SCOPED_TRACE(i);
    const DatasetExample full = with_images->example(i);
    const DatasetExample text = text_only->example(i);
    EXPECT_EQ(text.id, full.id);
    EXPECT_TRUE(text.images.empty());
    ASSERT_EQ(text.conversations.size(), full.conversations.size());
    // "<image>\nWhat colour is the circle?" → "What colour is the circle?"; other turns unchanged.
    EXPECT_EQ(text.conversations[0].value, full.conversations[0].value.substr(std::string("<image>\n").size()));
    for (std::size_t turn = 1; turn < full.conversations.size(); ++turn) {
      EXPECT_EQ(text.conversations[turn].value, full.conversations[turn].value);
    }
    EXPECT_LT(text_only->modality_length(i), 0);
    EXPECT_EQ(text_only->modality_length(i), -with_images->modality_length(i));
  }
}

TEST_F(ShapesDatasetTest, ASecondCreationReadsTheFolderWithoutRegenerating) {
  const auto folder = folder_ / "shapes";
  ASSERT_EQ(create_shapes(folder, "pretrain", 5)->size(), 5u);
  const auto before = modification_times(folder);
  EXPECT_EQ(before.size(), 5u + 1u + 4u);  // training images, the held-out image, four JSON files

  EXPECT_EQ(create_shapes(folder, "sft", 5)->size(), 5u);
  EXPECT_EQ(create_shapes(folder, "pretrain", 0, 3, 1)->size(), 5u) << "scenes = 0 reads the folder as it is";
  EXPECT_EQ(modification_times(folder), before);
}

TEST_F(ShapesDatasetTest, AFolderGeneratedWithOtherOptionsIsRefused) {
  const auto folder = folder_ / "shapes";
  ASSERT_EQ(create_shapes(folder, "pretrain", 5)->size(), 5u);
  const auto before = modification_times(folder);

  std::string error;
  try {
    create_shapes(folder, "sft", 7, 3, 1);
  } catch (const std::exception& thrown) {
    error = thrown.what();
  }
  EXPECT_CONTAINS(error, folder.string() +
                            " was generated with other options: scenes = 5 (asked: 7), seed = 0 (asked: 3), max_shapes = 4 "
                       "(asked: 1). Remove the folder to generate it again, or name another folder");
  EXPECT_EQ(modification_times(folder), before);

  // A dataset from before vdep recorded its options cannot be compared, and is read as it is.
  std::filesystem::remove(folder / "shapes.json");
  EXPECT_FALSE(read_shapes_dataset_options(folder).has_value());
  EXPECT_EQ(create_shapes(folder, "sft", 7, 3, 1)->size(), 5u);
}

TEST_F(ShapesDatasetTest, AnOptionsFileWithoutTheOptionsIsAnErrorNamingIt) {
  const auto options = write("shapes.json", "{\"scenes\": 5, \"seed\": 0}\n");
  std::string error;
  try {
    read_shapes_dataset_options(folder_);
  } catch (const std::runtime_error& thrown) {
    error = thrown.what();
  }
  EXPECT_CONTAINS(error, options.string() + ": not the options of a shapes dataset");
  EXPECT_CONTAINS(error, "image_size");
}

TEST_F(ShapesDatasetTest, CreationsThatRaceShareOneGeneratedFolder) {
  const auto folder = folder_ / "shapes";
  constexpr int kCreations = 4;
  std::vector<std::size_t> sizes(kCreations);
  std::vector<std::string> errors(kCreations);
  std::vector<std::thread> threads;
  for (int i = 0; i < kCreations; ++i) {
    threads.emplace_back([&, i] {
      try {
        sizes[i] = create_shapes(folder, "sft", 3)->size();
      } catch (const std::exception& error) {
        errors[i] = error.what();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int i = 0; i < kCreations; ++i) {
    EXPECT_EQ(errors[i], "");
    EXPECT_EQ(sizes[i], 3u);
  }
  EXPECT_EQ(entries(folder_), std::set<std::string>{"shapes"}) << "the copies that lost the race are removed";
  EXPECT_EQ(modification_times(folder).size(), 3u + 1u + 4u);
}

TEST_F(ShapesDatasetTest, ARelativeFolderIsRelativeToTheCurrentDirectory) {
  const auto previous = std::filesystem::current_path();
  std::filesystem::current_path(folder_);
  const auto dataset = create_shapes("data/shapes", "pretrain", 1);
  std::filesystem::current_path(previous);
  EXPECT_EQ(dataset->describe(), "shapes: " + (folder_ / "data" / "shapes" / "pretrain.json").string() + ", 1 record");
  EXPECT_EQ(dataset->example(0).images, std::vector<std::filesystem::path>{folder_ / "data/shapes/images/0000000.png"});
}

TEST_F(ShapesDatasetTest, AFolderWithoutTheSplitAndNoScenesToGenerateIsAnError) {
  const auto folder = folder_ / "shapes";
  EXPECT_CONTAINS(creation_error(folder, "sft", 0),
                  folder.string() + " holds no sft.json: write the dataset first with `vdep-run data shapes --out " +
                      folder.string() + " --n N`, or set scenes = N to generate it there");
  EXPECT_FALSE(std::filesystem::exists(folder));
}

TEST_F(ShapesDatasetTest, AFolderThatHoldsOtherFilesIsNotGeneratedInto) {
  const auto notes = write("notes.txt", "mine\n");
  EXPECT_CONTAINS(creation_error(folder_, "pretrain", 5),
                  folder_.string() + " holds files but no pretrain.json: shapes generates its dataset only into a "
                                     "new or empty folder");
  EXPECT_EQ(entries(folder_), std::set<std::string>{"notes.txt"});
  EXPECT_EQ(test::read_text_file(notes), "mine\n");
}

TEST_F(ShapesDatasetTest, FailedGenerationLeavesNothingBehind) {
  ShapesDatasetOptions options;
  options.scenes = 2;
  options.image_size = kMinShapesImageSize - 1;
  EXPECT_THROW(write_shapes_dataset(folder_ / "shapes", options), std::invalid_argument);
  EXPECT_TRUE(entries(folder_).empty());
}

TEST_F(ShapesDatasetTest, TheImageSizeDefaultIsThatOfDataShapes) {
  const PluginInfo* info = test::bundled_plugins().find(PluginKind::Dataset, "shapes");
  ASSERT_NE(info, nullptr);
  for (std::size_t i = 0; i < info->num_params; ++i) {
    if (std::string(info->params[i].name) == "image_size") {
      EXPECT_EQ(std::string(info->params[i].default_value), std::to_string(ShapesDatasetOptions{}.image_size));
      return;
    }
  }
  ADD_FAILURE() << "shapes declares no image_size";
}

}  // namespace
}  // namespace vdep
