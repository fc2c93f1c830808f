// Malformed checkpoints: each defect is an error naming the file and what is wrong.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <vdep/safetensors.h>

#include "safetensors_test_support.h"
#include "support/text_file.h"

namespace vdep {
namespace {

using test::safetensors_bytes;
using test::write_bytes;

class SafetensorsDefectsTest : public test::TensorFileTest {
 protected:
  // Opening `path` fails with a message naming `named` (the file at fault) and containing `phrase`.
  static void expect_open_error(const std::filesystem::path& path, const std::filesystem::path& named,
                                const std::string& phrase) {
    try {
      SafetensorsReader::open(path);
      ADD_FAILURE() << "expected an error containing '" << phrase << "'";
    } catch (const std::runtime_error& error) {
      EXPECT_CONTAINS(error.what(), named.string());
      EXPECT_CONTAINS(error.what(), phrase);
    }
  }

  std::filesystem::path write_good_file(const std::string& name = "good.safetensors") {
    const auto file = folder_ / name;
    write_safetensors(file, {{"w", at::ones({2, 2})}});
    return file;
  }
};

TEST_F(SafetensorsDefectsTest, FileShorterThanTheHeaderLength) {
  const auto file = write_good_file();
  std::filesystem::resize_file(file, 5);
  expect_open_error(file, file, "file is 5 bytes, too short for the 8-byte header length");
}

TEST_F(SafetensorsDefectsTest, HeaderLengthPastTheEndOfTheFile) {
  const auto file = write_good_file();
  std::string bytes = test::read_text_file(file);
  bytes[0] = static_cast<char>(bytes.size());
  write_bytes(file, bytes);
  expect_open_error(file, file, "runs past the end of the file");
}

TEST_F(SafetensorsDefectsTest, AbsurdHeaderLength) {
  const auto file = write_good_file();
  std::string bytes = test::read_text_file(file);
  bytes[5] = '\x01';  // 2^40 bytes
  write_bytes(file, bytes);
  expect_open_error(file, file, "is over the limit of 100000000 bytes");
}

TEST_F(SafetensorsDefectsTest, InvalidJsonIncludesTheParsersMessage) {
  const auto file = write_good_file();
  std::string bytes = test::read_text_file(file);
  bytes[9] = '\x01';  // the opening quote of the first key
  write_bytes(file, bytes);
  expect_open_error(file, file, "invalid JSON header: [json.exception.parse_error");
}

TEST_F(SafetensorsDefectsTest, MissingFileNamesIt) {
  const auto file = folder_ / "absent.safetensors";
  expect_open_error(file, file, "No such file or directory");
}

struct HeaderDefect {
  const char* header;
  std::size_t data_bytes;
  const char* phrase;
};

TEST_F(SafetensorsDefectsTest, HeaderDefectsNameTheFileAndTheTensor) {
  const HeaderDefect defects[] = {
      {R"([1, 2])", 0, "header is not a JSON object"},
      {R"({"w": [1]})", 0, "tensor 'w': its entry is not a JSON object"},
      {R"({"w": {"shape": [1], "data_offsets": [0, 4]}})", 4, "tensor 'w': missing \"dtype\""},
      {R"({"w": {"dtype": "F32", "data_offsets": [0, 4]}})", 4, "tensor 'w': missing \"shape\""},
      {R"({"w": {"dtype": "F32", "shape": [1]}})", 4, "tensor 'w': missing \"data_offsets\""},
      {R"({"w": {"dtype": 32, "shape": [1], "data_offsets": [0, 4]}})", 4,
       "tensor 'w': \"dtype\" is not a string"},
      {R"({"w": {"dtype": "F32", "shape": 1, "data_offsets": [0, 4]}})", 4,
       "\"shape\" is not an array of integers"},
      {R"({"w": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}})", 4,
       "\"shape\" is not an array of integers"},
      {R"({"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}})", 4,
       "\"shape\" has a negative dimension: -1"},
      {R"({"w": {"dtype": "F32", "shape": [18446744073709551615], "data_offsets": [0, 4]}})", 4,
       "\"shape\" has a dimension too large"},
      {R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0]}})", 4,
       "\"data_offsets\" is not [begin, end]"},
      {R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [-4, 0]}})", 4,
       "\"data_offsets\" is not [begin, end]"},
      {R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}})", 4,
       "tensor 'w': \"data_offsets\" [4, 0] begin after end"},
      {R"({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})", 4,
       "tensor 'w': \"data_offsets\" [0, 8] run past the end of the data section (4 bytes)"},
      {R"({"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}})", 8,
       "tensor 'w': byte size 8 does not match shape [3] of F32 (12 bytes)"},
      {R"({"w": {"dtype": "F32", "shape": [4611686018427387904, 4], "data_offsets": [0, 8]}})", 8,
       "tensor 'w': byte size 8 does not match shape [4611686018427387904, 4] of F32 (more bytes than memory "
       "can address)"},
      {R"({"w": {"dtype": "F8_E4M3", "shape": [1], "data_offsets": [0, 1]}})", 1,
       "tensor 'w': unsupported dtype 'F8_E4M3' (supported: F64, F32, F16, BF16, I64, I32, I16, I8, U8, "
       "BOOL)"},
      {R"({"w": {"dtype": "U16", "shape": [1], "data_offsets": [0, 2]}})", 2,
       "tensor 'w': unsupported dtype 'U16'"},
      {R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
           "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})",
       12, "tensors 'a' and 'b' overlap in the data section"},
      {R"({"__metadata__": {"format": 1}})", 0, "\"__metadata__\" value of 'format' is not a string"},
      {R"({"__metadata__": ["pt"]})", 0, "\"__metadata__\" is not a JSON object"},
  };
  const auto file = folder_ / "defect.safetensors";
  for (const HeaderDefect& defect : defects) {
    SCOPED_TRACE(defect.header);
    write_bytes(file, safetensors_bytes(defect.header, std::string(defect.data_bytes, '\0')));
    expect_open_error(file, file, defect.phrase);
  }
}

TEST_F(SafetensorsDefectsTest, EmptyTensorsMayShareAnOffset) {
  const auto file = folder_ / "empties.safetensors";
  write_bytes(file, safetensors_bytes(R"({"a": {"dtype": "F32", "shape": [0], "data_offsets": [4, 4]},
                                          "b": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
                                          "c": {"dtype": "I8", "shape": [2, 0], "data_offsets": [4, 4]}})",
                                      std::string(4, '\0')));
  EXPECT_EQ(SafetensorsReader::open(file).names().size(), 3u);
}

class ShardedDefectsTest : public SafetensorsDefectsTest {
 protected:
  void SetUp() override {
    SafetensorsDefectsTest::SetUp();
    write_safetensors(folder_ / "part-1.safetensors", {{"a", at::zeros({1})}, {"b", at::zeros({1})}});
    write_safetensors(folder_ / "part-2.safetensors", {{"c", at::zeros({1})}});
    index_ = folder_ / "model.safetensors.index.json";
  }

  void write_index(const std::string& text) { write_bytes(index_, text); }

  std::filesystem::path index_;
};

TEST_F(ShardedDefectsTest, ValidIndexOpens) {
  write_index(
      R"({"metadata": {"total_size": 12}, "weight_map": {"a": "part-1.safetensors", "b": "part-1.safetensors",
                                                               "c": "part-2.safetensors"}})");
  EXPECT_EQ(SafetensorsReader::open(folder_).names(), (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(ShardedDefectsTest, InvalidJson) {
  write_index(R"({"weight_map": {"a": "part-1.safetensors",}})");
  expect_open_error(index_, index_, "invalid JSON: [json.exception.parse_error");
}

TEST_F(ShardedDefectsTest, MissingWeightMap) {
  write_index(R"({"metadata": {}})");
  expect_open_error(folder_, index_, "missing \"weight_map\"");
}

TEST_F(ShardedDefectsTest, WeightMapOfTheWrongType) {
  write_index(R"({"weight_map": ["part-1.safetensors"]})");
  expect_open_error(index_, index_, "\"weight_map\" is not a JSON object");
  write_index(R"({"weight_map": {"a": 1}})");
  expect_open_error(index_, index_, "\"weight_map\" entry of tensor 'a' is not a file name");
}

TEST_F(ShardedDefectsTest, MissingShardIsNamed) {
  write_index(R"({"weight_map": {"a": "part-1.safetensors", "z": "part-9.safetensors"}})");
  expect_open_error(index_, index_,
                    "shard " + (folder_ / "part-9.safetensors").string() + " of tensor 'z' does not exist");
}

TEST_F(ShardedDefectsTest, TensorAbsentFromItsShard) {
  write_index(R"({"weight_map": {"a": "part-1.safetensors", "c": "part-1.safetensors"}})");
  expect_open_error(index_, index_,
                    "tensor 'c' is listed in \"weight_map\" but absent from its shard " +
                        (folder_ / "part-1.safetensors").string());
}

TEST_F(ShardedDefectsTest, TensorInTwoShards) {
  write_safetensors(folder_ / "part-3.safetensors", {{"a", at::zeros({1})}, {"x", at::zeros({1})}});
  write_index(R"({"weight_map": {"a": "part-1.safetensors", "x": "part-3.safetensors"}})");
  expect_open_error(index_, index_, "tensor 'a' is in two shards");
}

TEST_F(ShardedDefectsTest, DefectInAShardNamesTheShard) {
  write_bytes(folder_ / "part-2.safetensors", "short");
  write_index(R"({"weight_map": {"c": "part-2.safetensors"}})");
  expect_open_error(index_, folder_ / "part-2.safetensors", "too short");
}

}  // namespace
}  // namespace vdep
