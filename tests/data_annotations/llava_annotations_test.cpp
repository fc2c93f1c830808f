// Reading records from LLaVA annotation files, as arrays and as JSON lines.
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <vdep/llava_annotations.h>

#include "annotation_file_test.h"

namespace vdep {
namespace {

using Annotations = test::AnnotationFileTest;

const char* const kImageRecord =
    R"({"id": "000000033471", "image": "coco/train2017/000000033471.jpg", "conversations": [)"
    R"({"from": "human", "value": "<image>\nWhat are the colors of the bus in the image?"}, )"
    R"({"from": "gpt", "value": "The bus in the image is white and red."}]})";
const char* const kTextOnlyRecord =
    R"({"id": "i6IyJda_0", "model": "", "conversations": [{"from": "human", "value": "Hi"}, )"
    R"({"from": "gpt", "value": "Hello!"}, {"from": "human", "value": "Bye"}]})";

void expect_bus_record(const LlavaRecord& record) {
  EXPECT_EQ(record.id, "000000033471");
  EXPECT_EQ(record.image, "coco/train2017/000000033471.jpg");
  ASSERT_EQ(record.conversations.size(), 2u);
  EXPECT_EQ(record.conversations[0].from, "human");
  EXPECT_EQ(record.conversations[0].value, "<image>\nWhat are the colors of the bus in the image?");
  EXPECT_EQ(record.conversations[1].from, "gpt");
  EXPECT_EQ(record.conversations[1].value, "The bus in the image is white and red.");
  EXPECT_FALSE(record.category.has_value());
}

void expect_text_only_record(const LlavaRecord& record) {
  EXPECT_EQ(record.id, "i6IyJda_0");
  EXPECT_FALSE(record.image.has_value());
  ASSERT_EQ(record.conversations.size(), 3u);
  EXPECT_EQ(record.conversations[2].from, "human");
  EXPECT_EQ(record.conversations[2].value, "Bye");
}

TEST_F(Annotations, ReadsTheRecordsOfAnArray) {
  const auto path = write(std::string("[\n  ") + kImageRecord + ",\n  " + kTextOnlyRecord + "\n]\n");
  const auto annotations = LlavaAnnotations::open(path);
  ASSERT_EQ(annotations.size(), 2u);
  expect_bus_record(annotations.record(0));
  expect_text_only_record(annotations.record(1));
  EXPECT_NO_THROW(annotations.validate_all());
}

TEST_F(Annotations, ReadsJsonLinesWithBlankLinesAndCrLf) {
  const auto path = write(std::string(kImageRecord) + "\r\n\r\n" + kTextOnlyRecord, "annotations.jsonl");
  const auto annotations = LlavaAnnotations::open(path);
  ASSERT_EQ(annotations.size(), 2u);
  expect_bus_record(annotations.record(0));
  expect_text_only_record(annotations.record(1));
}

TEST_F(Annotations, EmptyArrayHasNoRecords) {
  EXPECT_EQ(LlavaAnnotations::open(write("[]")).size(), 0u);
  EXPECT_EQ(LlavaAnnotations::open(write(" \n[ \n ]\n", "spaced.json")).size(), 0u);
}

TEST_F(Annotations, SkipsAByteOrderMark) {
  const auto annotations = LlavaAnnotations::open(write(std::string("\xEF\xBB\xBF[") + kImageRecord + "]"));
  ASSERT_EQ(annotations.size(), 1u);
  expect_bus_record(annotations.record(0));
}

TEST_F(Annotations, EscapesAndBracketsInsideStringsDoNotEndARecord) {
  // As the file spells it: \" \\ \n \u00e9, an escaped backslash right before a closing quote, and
  // brackets and commas inside strings, in both the keys and the values.
  const std::string tricky =
      R"({"id": "a\"b]", "image": "dir\\}\\", "{weird key]": "[", "conversations": [)"
      R"({"from": "human", "value": "say \"}]\" \\ caf\u00e9\nok"}, {"from": "gpt", "value": "\\"}]})";
  for (const std::string& text : {"[" + tricky + "," + tricky + "]", tricky + "\n" + tricky + "\n"}) {
    const auto annotations = LlavaAnnotations::open(write(text));
    ASSERT_EQ(annotations.size(), 2u) << text;
    for (std::size_t i = 0; i < 2; ++i) {
      const LlavaRecord record = annotations.record(i);
      EXPECT_EQ(record.id, "a\"b]");
      EXPECT_EQ(record.image, "dir\\}\\");
      ASSERT_EQ(record.conversations.size(), 2u);
      EXPECT_EQ(record.conversations[0].value, "say \"}]\" \\ caf\xC3\xA9\nok");
      EXPECT_EQ(record.conversations[1].value, "\\");
    }
  }
}

TEST_F(Annotations, RawUtf8AndSurrogatePairsSurvive) {
  const auto annotations = LlavaAnnotations::open(write(
      R"([{"id": "日本", "conversations": [{"from": "gpt", "value": "東京タワー 🚌 \ud83d\ude8c"}]}])"));
  const LlavaRecord record = annotations.record(0);
  EXPECT_EQ(record.id, "日本");
  EXPECT_EQ(record.conversations[0].value, "東京タワー 🚌 🚌");
}

TEST_F(Annotations, NumericIdKeepsItsSpelling) {
  const auto annotations = LlavaAnnotations::open(write(
      R"([{"id": 33471, "conversations": []}, {"id": -2.5, "conversations": []}, {"conversations": []}])"));
  EXPECT_EQ(annotations.record(0).id, "33471");
  EXPECT_EQ(annotations.record(1).id, "-2.5");
  EXPECT_EQ(annotations.record(2).id, "");
  EXPECT_TRUE(annotations.record(2).conversations.empty());
}

TEST_F(Annotations, ReadsTheCategoryOfAnEvaluationRecord) {
  const auto annotations = LlavaAnnotations::open(write(
      R"([{"id": "eval-0", "image": "a.png", "category": "count", "conversations": []}])"));
  EXPECT_EQ(annotations.record(0).category, "count");
}

TEST_F(Annotations, AnnotationsCanBeMoved) {
  auto annotations = LlavaAnnotations::open(write(std::string("[") + kImageRecord + "]"));
  const LlavaAnnotations moved = std::move(annotations);
  expect_bus_record(moved.record(0));
}

// Records as Python's json.dump writes them (nlohmann's dump is its equivalent here): random text
// full of characters that need escaping, as an indented array and as JSON lines.
TEST_F(Annotations, EveryRecordOfAGeneratedFileReadsBackAsWritten) {
  std::mt19937 random(7);
  const std::vector<std::string> pieces = {"a", "b", " ", "\"", "\\", "\n", "\t", "/", "{", "}",
                                           "[", "]", ",", ":", "\x01", "\xC3\xA9", "\\\""};
  auto random_text = [&] {
    std::string text;
    for (std::size_t n = random() % 40; n > 0; --n) text += pieces[random() % pieces.size()];
    return text;
  };
  std::vector<nlohmann::json> records;
  for (int i = 0; i < 300; ++i) {
    nlohmann::json record{{"id", random_text()}, {"conversations", nlohmann::json::array()}};
    if (i % 3 != 0) record["image"] = random_text();
    for (std::size_t n = random() % 5; n > 0; --n) {
      record["conversations"].push_back({{"from", random_text()}, {"value", random_text()}});
    }
    records.push_back(record);
  }
  std::string lines;
  for (const auto& record : records) lines += record.dump() + "\n";
  for (const auto& path : {write(nlohmann::json(records).dump(4), "array.json"), write(lines, "lines.jsonl")}) {
    const auto annotations = LlavaAnnotations::open(path);
    ASSERT_EQ(annotations.size(), records.size()) << path;
    for (std::size_t i = 0; i < records.size(); ++i) {
      const LlavaRecord record = annotations.record(i);
      EXPECT_EQ(record.id, records[i]["id"]);
      EXPECT_EQ(record.image.has_value(), records[i].contains("image"));
      if (record.image) {
        EXPECT_EQ(*record.image, records[i]["image"]);
      }
      ASSERT_EQ(record.conversations.size(), records[i]["conversations"].size());
      for (std::size_t t = 0; t < record.conversations.size(); ++t) {
        EXPECT_EQ(record.conversations[t].from, records[i]["conversations"][t]["from"]);
        EXPECT_EQ(record.conversations[t].value, records[i]["conversations"][t]["value"]);
      }
    }
  }
}

}  // namespace
}  // namespace vdep
