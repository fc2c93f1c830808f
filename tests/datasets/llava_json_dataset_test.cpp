// The `llava_json` plugin on records in the formats of LLaVA's own files: a pre-training caption as
// in blip_laion_cc_sbu_558k.json, a multi-turn conversation and text-only records as in
// llava_v1_5_mix665k.json, as a JSON array and as JSON lines.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <vdep/dataset.h>

#include "support/bundled_plugins.h"
#include "support/temporary_folder.h"
#include "support/text_file.h"

namespace vdep {
namespace {

const std::string kPretrainRecord =
    R"({"id": "004539375", "image": "00453/004539375.jpg", "conversations": [)"
    R"({"from": "human", "value": "Render a clear and concise summary of the photo.\n<image>"}, )"
    R"({"from": "gpt", "value": "select luxury furniture 3 - inch gel memory foam mattress topper"}]})";
const std::string kMultiTurnRecord =
    R"({"id": "000000033471", "image": "coco/train2017/000000033471.jpg", "conversations": [)"
    R"({"from": "human", "value": "<image>\nWhat are the colors of the bus in the image?"}, )"
    R"({"from": "gpt", "value": "The bus in the image is white and red."}, )"
    R"({"from": "human", "value": "What feature can be seen on the back of the bus?"}, )"
    R"({"from": "gpt", "value": "The back of the bus features an advertisement."}]})";
// ShareGPT's records in the 665k mix: no "image", and a "model" key that LLaVA does not read.
const std::string kTextOnlyRecordWithModel =
    R"({"id": "i6IyJda_0", "model": "", "conversations": [)"
    R"({"from": "human", "value": "How to tell if a customer segment is well segmented? In 3 bullet points."}, )"
    R"({"from": "gpt", "value": "1. Homogeneity\n2. Distinctiveness\n3. Reachability"}]})";
const std::string kNumericIdRecord =
    R"({"id": 1234, "conversations": [{"from": "human", "value": "Say hi."}, {"from": "gpt", "value": "Hi."}]})";

const std::vector<std::string> kRecords = {kPretrainRecord, kMultiTurnRecord, kTextOnlyRecordWithModel,
                                           kNumericIdRecord};

std::string as_json_array(const std::vector<std::string>& records) {
  std::string text = "[\n";
  for (std::size_t i = 0; i < records.size(); ++i) text += "  " + records[i] + (i + 1 < records.size() ? ",\n" : "\n");
  return text + "]\n";
}

std::string as_json_lines(const std::vector<std::string>& records) {
  std::string text;
  for (const std::string& record : records) text += record + "\n";
  return text;
}

std::unique_ptr<Dataset> create_llava_json(const std::filesystem::path& annotations,
                                           const std::filesystem::path& image_folder = {}, std::int64_t limit = 0,
                                           bool validate = false) {
  Params params("llava_json");
  params.set("annotations", annotations.string());
  params.set("image_folder", image_folder.string());
  params.set("limit", limit);
  params.set("validate", validate);
  return test::bundled_plugins().create_as<Dataset>(PluginKind::Dataset, "llava_json", params);
}

std::string creation_error(const std::filesystem::path& annotations, std::int64_t limit, bool validate) {
  try {
    create_llava_json(annotations, {}, limit, validate);
  } catch (const std::exception& error) {
    return error.what();
  }
  ADD_FAILURE() << "creating the dataset succeeded but should have failed";
  return "";
}

void expect_turn(const ConversationTurn& turn, const std::string& from, const std::string& value) {
  EXPECT_EQ(turn.from, from);
  EXPECT_EQ(turn.value, value);
}

class LlavaJsonDatasetTest : public test::TemporaryFolderTest {
 protected:
  // The four records of kRecords, read with images under `images`.
  void expect_the_four_records(const Dataset& dataset, const std::filesystem::path& images) const {
    ASSERT_EQ(dataset.size(), 4u);

    const DatasetExample caption = dataset.example(0);
    EXPECT_EQ(caption.id, "004539375");
    EXPECT_EQ(caption.images, std::vector<std::filesystem::path>{images / "00453" / "004539375.jpg"});
    ASSERT_EQ(caption.conversations.size(), 2u);
    expect_turn(caption.conversations[0], "human", "Render a clear and concise summary of the photo.\n<image>");
    expect_turn(caption.conversations[1], "gpt", "select luxury furniture 3 - inch gel memory foam mattress topper");

    const DatasetExample multi_turn = dataset.example(1);
    EXPECT_EQ(multi_turn.id, "000000033471");
    EXPECT_EQ(multi_turn.images,
              std::vector<std::filesystem::path>{images / "coco" / "train2017" / "000000033471.jpg"});
    ASSERT_EQ(multi_turn.conversations.size(), 4u);
    expect_turn(multi_turn.conversations[0], "human", "<image>\nWhat are the colors of the bus in the image?");
    expect_turn(multi_turn.conversations[1], "gpt", "The bus in the image is white and red.");
    expect_turn(multi_turn.conversations[2], "human", "What feature can be seen on the back of the bus?");
    expect_turn(multi_turn.conversations[3], "gpt", "The back of the bus features an advertisement.");

    const DatasetExample text_only = dataset.example(2);
    EXPECT_EQ(text_only.id, "i6IyJda_0");
    EXPECT_TRUE(text_only.images.empty());
    ASSERT_EQ(text_only.conversations.size(), 2u);
    expect_turn(text_only.conversations[0], "human",
                "How to tell if a customer segment is well segmented? In 3 bullet points.");
    expect_turn(text_only.conversations[1], "gpt", "1. Homogeneity\n2. Distinctiveness\n3. Reachability");

    const DatasetExample numeric_id = dataset.example(3);
    EXPECT_EQ(numeric_id.id, "1234");
    EXPECT_TRUE(numeric_id.images.empty());
    ASSERT_EQ(numeric_id.conversations.size(), 2u);
    expect_turn(numeric_id.conversations[0], "human", "Say hi.");
    expect_turn(numeric_id.conversations[1], "gpt", "Hi.");

    EXPECT_THROW(dataset.example(4), std::out_of_range);
  }
};

TEST_F(LlavaJsonDatasetTest, ReadsAJsonArrayWithImagesUnderTheImageFolder) {
  const auto annotations = write("llava_v1_5_mix665k.json", as_json_array(kRecords));
  const auto dataset = create_llava_json(annotations, folder_ / "images");
  expect_the_four_records(*dataset, folder_ / "images");
  EXPECT_EQ(dataset->describe(), "llava_json: " + annotations.string() + ", 4 records");
}

TEST_F(LlavaJsonDatasetTest, ReadsJsonLines) {
  const auto annotations = write("mix.jsonl", as_json_lines(kRecords));
  expect_the_four_records(*create_llava_json(annotations, folder_ / "images"), folder_ / "images");
}

TEST_F(LlavaJsonDatasetTest, ImageFolderDefaultsToTheAnnotationFilesFolder) {
  std::filesystem::create_directories(folder_ / "LLaVA-Pretrain");
  const auto annotations = write("LLaVA-Pretrain/blip_laion_cc_sbu_558k.json", as_json_array({kPretrainRecord}));
  const auto dataset = create_llava_json(annotations);
  EXPECT_EQ(dataset->example(0).images,
            std::vector<std::filesystem::path>{folder_ / "LLaVA-Pretrain" / "00453" / "004539375.jpg"});
}

TEST_F(LlavaJsonDatasetTest, LimitKeepsTheFirstRecords) {
  const auto annotations = write("mix.json", as_json_array(kRecords));
  const auto first_two = create_llava_json(annotations, {}, 2);
  ASSERT_EQ(first_two->size(), 2u);
  EXPECT_EQ(first_two->example(1).id, "000000033471");
  EXPECT_THROW(first_two->example(2), std::out_of_range);
  EXPECT_EQ(first_two->describe(), "llava_json: " + annotations.string() + ", first 2 of 4 records");
  EXPECT_EQ(create_llava_json(annotations, {}, 10)->size(), 4u);
}

TEST_F(LlavaJsonDatasetTest, ModalityLengthCountsWordsPositiveWithAnImage) {
  const auto dataset = create_llava_json(write("mix.json", as_json_array(kRecords)));
  EXPECT_EQ(dataset->modality_length(0), 10 + 11);  // the request with its "<image>", then the caption
  EXPECT_EQ(dataset->modality_length(3), -(2 + 1));  // "Say hi." "Hi.", no image
}

// Record 1 starts after "[\n  " (4 bytes), record 0 (99 bytes) and ",\n  " (4 bytes): at byte 107.
const std::string kBadImageRecord = R"({"id": "b", "image": 7, "conversations": []})";
const std::string kGoodShortRecord =
    R"({"id": "a", "conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello"}]})";

TEST_F(LlavaJsonDatasetTest, AMalformedRecordNamesTheFileTheRecordAndItsByte) {
  ASSERT_EQ(kGoodShortRecord.size(), 99u);
  const auto annotations = write("bad.json", as_json_array({kGoodShortRecord, kBadImageRecord}));
  const std::string expected = annotations.string() + ": record 1 (byte 107): \"image\" is not a string";

  const auto dataset = create_llava_json(annotations);
  EXPECT_EQ(dataset->example(0).id, "a");
  try {
    dataset->example(1);
    ADD_FAILURE() << "reading record 1 succeeded but should have failed";
  } catch (const std::runtime_error& error) {
    EXPECT_EQ(std::string(error.what()), expected);
  }

  EXPECT_CONTAINS(creation_error(annotations, 0, true), expected);
}

TEST_F(LlavaJsonDatasetTest, ValidateParsesOnlyTheRecordsWithinTheLimit) {
  const auto annotations = write("bad.json", as_json_array({kGoodShortRecord, kBadImageRecord}));
  EXPECT_EQ(create_llava_json(annotations, {}, 1, true)->size(), 1u);
}

TEST_F(LlavaJsonDatasetTest, AMissingAnnotationFileIsNamed) {
  const auto missing = folder_ / "no_such_annotations.json";
  EXPECT_CONTAINS(creation_error(missing, 0, false), missing.string());
}

}  // namespace
}  // namespace vdep
