// Malformed annotation files and records: each error names the file, the record and the byte at
// fault. Files whose records cannot be told apart fail in open(); a record of the wrong shape fails
// when it is read.
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include <vdep/llava_annotations.h>

#include "annotation_file_test.h"
#include "support/text_file.h"

namespace vdep {
namespace {

class AnnotationDefects : public test::AnnotationFileTest {
 protected:
  // The message open() throws for a file holding `text`.
  std::string open_error(const std::string& text) {
    const auto path = write(text);
    try {
      LlavaAnnotations::open(path);
    } catch (const std::runtime_error& error) {
      return error.what();
    }
    return "no error";
  }

  // The message record(index) throws for a file holding `text`.
  std::string record_error(const std::string& text, std::size_t index) {
    const auto annotations = LlavaAnnotations::open(write(text));
    try {
      annotations.record(index);
    } catch (const std::runtime_error& error) {
      return error.what();
    }
    return "no error";
  }

  // "FILE: record N (byte OFFSET): what".
  std::string located(std::size_t record, std::size_t offset, const std::string& what) const {
    return (folder_ / "annotations.json").string() + ": record " + std::to_string(record) + " (byte " +
           std::to_string(offset) + "): " + what;
  }
};

TEST_F(AnnotationDefects, UnterminatedStringAtTheEndOfTheFile) {
  const std::string text = R"([{"id": "a", "conversations": []}, {"id": "b)";
  EXPECT_EQ(open_error(text), located(1, text.find("\"b"), "unterminated string: the file ends inside it"));
}

TEST_F(AnnotationDefects, UnterminatedStringBeforeTheNextLine) {
  const std::string text = "{\"conversations\": []}\n"
                           "{\"conversations\": [{\"from\": \"gpt\", \"value\": \"no end}]}\n"
                           "{\"conversations\": []}\n";
  EXPECT_EQ(open_error(text),
            located(1, text.find("\"no end"), "unterminated string: a line break comes before its closing '\"'"));
}

TEST_F(AnnotationDefects, ClosingBracketOfTheWrongKind) {
  const std::string text = R"([{"id": "a"}, {"conversations": [{"from": "gpt", "value": "x"}}])";
  EXPECT_EQ(open_error(text), located(1, text.find("}}") + 1,
                                      "'}' closes the '[' at byte " + std::to_string(text.find("[{\"from"))));
}

TEST_F(AnnotationDefects, RecordNeverClosed) {
  const std::string text = R"([{"id": "a"}, {"conversations": [{"from": "gpt", "value": "x"}])";
  EXPECT_EQ(open_error(text), located(1, text.find("{\"conv"), "'{' is never closed"));
  const std::string inner = R"([{"conversations": [{"from": "gpt", "value": "x"})";
  EXPECT_EQ(open_error(inner), located(0, inner.find("[{\"from"), "'[' is never closed"));
}

TEST_F(AnnotationDefects, ArrayNeverClosed) {
  const std::string text = R"([{"conversations": []}, {"conversations": []} )";
  EXPECT_EQ(open_error(text), located(2, text.size(), "expected ',' or ']' after record 1, found the end of the file"));
}

TEST_F(AnnotationDefects, GarbageBetweenRecordsOfAnArray) {
  const std::string text = R"([{"conversations": []} x {"conversations": []}])";
  EXPECT_EQ(open_error(text), located(1, text.find('x'), "expected ',' or ']' after record 0, found 'x'"));
}

TEST_F(AnnotationDefects, TrailingCommaInAnArray) {
  const std::string text = R"([{"conversations": []},])";
  EXPECT_EQ(open_error(text), located(1, text.size() - 1, "expected a record (a JSON object), found ']'"));
}

TEST_F(AnnotationDefects, AnythingAfterTheArray) {
  const std::string text = "[{\"conversations\": []}]\n]";
  EXPECT_EQ(open_error(text), located(1, text.size() - 1, "found ']' after the array's closing ']'"));
}

TEST_F(AnnotationDefects, ArrayOfSomethingElseThanObjects) {
  EXPECT_EQ(open_error("[1, 2]"), located(0, 1, "expected a record (a JSON object), found '1'"));
}

TEST_F(AnnotationDefects, GarbageLineBetweenJsonLines) {
  const std::string text = "{\"conversations\": []}\ngarbage\n{\"conversations\": []}\n";
  EXPECT_EQ(open_error(text), located(1, text.find('g'), "expected a record (a JSON object), found 'g'"));
}

TEST_F(AnnotationDefects, TwoJsonLinesRecordsOnOneLine) {
  const std::string text = "{\"conversations\": []}\n{\"conversations\": []} {\"conversations\": []}\n";
  EXPECT_EQ(open_error(text), located(2, text.rfind('{'), "expected a line break after record 1, found '{'"));
}

TEST_F(AnnotationDefects, JsonLinesRecordSpanningLines) {
  const std::string text = "{\"conversations\": []}\n{\"conversations\":\n []}\n";
  EXPECT_EQ(open_error(text), located(1, text.find('{', 1), "'{' is not closed on its line"));
}

TEST_F(AnnotationDefects, NeitherAnArrayNorJsonLines) {
  const std::string what = "not a JSON array of records nor JSON lines: expected '[' or '{', found ";
  EXPECT_EQ(open_error("\"hello\""), located(0, 0, what + "'\"'"));
  EXPECT_EQ(open_error("\n  42"), located(0, 3, what + "'4'"));
  EXPECT_EQ(open_error("\x89PNG"), located(0, 0, what + "byte 0x89"));
}

TEST_F(AnnotationDefects, EmptyFile) {
  const std::string what = "the file is empty: expected a JSON array of records or JSON lines";
  EXPECT_EQ(open_error(""), located(0, 0, what));
  EXPECT_EQ(open_error(" \n\t"), located(0, 3, what));
}

TEST_F(AnnotationDefects, MissingFileIsNamed) {
  const auto path = folder_ / "absent.json";
  try {
    LlavaAnnotations::open(path);
    ADD_FAILURE() << "expected an error";
  } catch (const std::runtime_error& error) {
    EXPECT_CONTAINS(error.what(), path.string());
  }
}

const std::string kGoodRecord = R"({"id": "a", "conversations": [{"from": "human", "value": "hi"}]})";

TEST_F(AnnotationDefects, RecordWithoutConversations) {
  const std::string text = "[" + kGoodRecord + ",\n {\"id\": \"b\", \"image\": \"b.jpg\"}]";
  EXPECT_EQ(record_error(text, 0), "no error");
  EXPECT_EQ(record_error(text, 1), located(1, text.find("{\"id\": \"b"), "the record has no \"conversations\""));
}

TEST_F(AnnotationDefects, ConversationsThatAreNotAnArray) {
  const std::string text = "[" + kGoodRecord + ", {\"conversations\": \"hi\"}]";
  EXPECT_EQ(record_error(text, 1), located(1, text.find("{\"conv"), "\"conversations\" is not an array"));
}

TEST_F(AnnotationDefects, TurnsWithoutFromOrValueOrWithANonStringValue) {
  const std::string text = kGoodRecord + "\n" +                                                 //
                           R"({"conversations": [{"from": "human", "value": "a"}, {"value": "b"}]})" + "\n" +  //
                           R"({"conversations": [{"from": "human"}]})" + "\n" +                                 //
                           R"({"conversations": [{"from": "human", "value": 3}]})" + "\n" +                     //
                           R"({"conversations": [["human", "hi"]]})" + "\n";
  auto line = [&](std::size_t n) {
    std::size_t offset = 0;
    for (std::size_t i = 0; i < n; ++i) offset = text.find('\n', offset) + 1;
    return offset;
  };
  EXPECT_EQ(record_error(text, 1), located(1, line(1), "turn 1: no \"from\""));
  EXPECT_EQ(record_error(text, 2), located(2, line(2), "turn 0: no \"value\""));
  EXPECT_EQ(record_error(text, 3), located(3, line(3), "turn 0: \"value\" is not a string"));
  EXPECT_EQ(record_error(text, 4), located(4, line(4), "turn 0: not an object"));
}

TEST_F(AnnotationDefects, IdImageAndCategoryOfTheWrongType) {
  const std::string text = R"([{"id": true, "conversations": []}, {"image": ["a.jpg"], "conversations": []}, )"
                           R"({"category": 3, "conversations": []}])";
  EXPECT_EQ(record_error(text, 0), located(0, 1, "\"id\" is neither a string nor a number"));
  EXPECT_EQ(record_error(text, 1), located(1, text.find("{\"image"), "\"image\" is not a string"));
  EXPECT_EQ(record_error(text, 2), located(2, text.find("{\"category"), "\"category\" is not a string"));
}

TEST_F(AnnotationDefects, InvalidJsonInsideARecord) {
  const std::string text = R"([{"id": tru, "conversations": []}])";
  const std::string error = record_error(text, 0);
  EXPECT_EQ(error.rfind(located(0, 1, "invalid JSON: "), 0), 0u) << error;
  EXPECT_CONTAINS(error, "parse error");
}

TEST_F(AnnotationDefects, ValidateAllReportsTheFirstBadRecord) {
  const std::string text = "[" + kGoodRecord + ", {\"id\": \"b\"}, {\"conversations\": [{}]}]";
  const auto annotations = LlavaAnnotations::open(write(text));
  try {
    annotations.validate_all();
    ADD_FAILURE() << "expected an error";
  } catch (const std::runtime_error& error) {
    EXPECT_EQ(std::string(error.what()), located(1, text.find("{\"id\": \"b"), "the record has no \"conversations\""));
  }
}

TEST_F(AnnotationDefects, RecordPastTheEnd) {
  const auto annotations = LlavaAnnotations::open(write("[" + kGoodRecord + "]"));
  EXPECT_THROW(annotations.record(1), std::out_of_range);
}

}  // namespace
}  // namespace vdep
