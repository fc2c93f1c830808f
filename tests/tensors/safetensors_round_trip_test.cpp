// Writing checkpoints, single-file and sharded, and reading them back.
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <vdep/safetensors.h>

#include "safetensors_test_support.h"
#include "support/text_file.h"

namespace vdep {
namespace {

using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

class SafetensorsRoundTripTest : public test::TensorFileTest {
 protected:
  std::vector<std::string> folder_entries() const {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(folder_)) {
      names.push_back(entry.path().filename());
    }
    std::sort(names.begin(), names.end());
    return names;
  }
};

// The header as written, keys in file order.
nlohmann::ordered_json read_header(const std::filesystem::path& file, std::size_t* length = nullptr) {
  const std::string bytes = test::read_text_file(file);
  std::uint64_t size = 0;
  for (std::size_t i = 8; i-- > 0;) size = size << 8 | static_cast<unsigned char>(bytes[i]);
  if (length != nullptr) *length = size;
  return nlohmann::ordered_json::parse(bytes.substr(8, size));
}

TEST_F(SafetensorsRoundTripTest, EveryDtypeRoundTripsWithEmptyAndZeroDimTensors) {
  const std::vector<at::ScalarType> dtypes = {at::kDouble, at::kFloat, at::kHalf, at::kBFloat16, at::kLong,
                                              at::kInt,    at::kShort, at::kChar, at::kByte,     at::kBool};
  NamedTensors tensors;
  for (const at::ScalarType dtype : dtypes) {
    const std::string name = c10::toString(dtype);
    tensors.emplace_back(name, at::arange(-2, 4).reshape({2, 3}).to(dtype));
    tensors.emplace_back(name + ".empty", at::empty({0, 3}, at::TensorOptions().dtype(dtype)));
    tensors.emplace_back(name + ".scalar", at::scalar_tensor(1, at::TensorOptions().dtype(dtype)));
  }
  const auto file = folder_ / "all.safetensors";
  write_safetensors(file, tensors);

  const auto reader = SafetensorsReader::open(file);
  ASSERT_EQ(reader.names().size(), tensors.size());
  for (const auto& [name, expected] : tensors) {
    SCOPED_TRACE(name);
    const at::Tensor actual = reader.get(name);
    EXPECT_EQ(actual.scalar_type(), expected.scalar_type());
    EXPECT_EQ(actual.sizes(), expected.sizes());
    EXPECT_TRUE(at::equal(actual, expected));
  }
}

TEST_F(SafetensorsRoundTripTest, NonContiguousTensorsAreWrittenInLogicalOrder) {
  const at::Tensor transposed = at::arange(6, at::kFloat).reshape({2, 3}).t();
  const at::Tensor strided = at::arange(10, at::kLong).slice(0, 0, 10, 3);
  const auto file = folder_ / "views.safetensors";
  write_safetensors(file, {{"transposed", transposed}, {"strided", strided}});

  const auto reader = SafetensorsReader::open(file);
  EXPECT_TRUE(at::equal(reader.get("transposed"), transposed));
  EXPECT_TRUE(at::equal(reader.get("strided"), at::tensor({int64_t{0}, int64_t{3}, int64_t{6}, int64_t{9}})));
}

TEST_F(SafetensorsRoundTripTest, HeaderHasSortedKeysConsecutiveOffsetsAndIsPaddedToEightBytes) {
  const auto file = folder_ / "sorted.safetensors";
  write_safetensors(
      file,
      {{"z", at::ones({3}, at::kFloat)}, {"a", at::ones({2}, at::kHalf)}, {"m", at::ones({1}, at::kBool)}},
      {{"format", "pt"}});

  std::size_t length = 0;
  const auto header = read_header(file, &length);
  EXPECT_EQ(length % 8, 0u);
  std::vector<std::string> keys;
  for (const auto& [key, value] : header.items()) keys.push_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{"__metadata__", "a", "m", "z"}));
  EXPECT_EQ(header["__metadata__"], nlohmann::ordered_json({{"format", "pt"}}));
  EXPECT_EQ(header["a"]["dtype"], "F16");
  EXPECT_EQ(header["a"]["shape"], nlohmann::ordered_json({2}));
  EXPECT_EQ(header["a"]["data_offsets"], nlohmann::ordered_json({0, 4}));
  EXPECT_EQ(header["m"]["data_offsets"], nlohmann::ordered_json({4, 5}));
  EXPECT_EQ(header["z"]["data_offsets"], nlohmann::ordered_json({5, 17}));
  EXPECT_EQ(std::filesystem::file_size(file), 8 + length + 17);
  EXPECT_EQ(SafetensorsReader::open(file).metadata(), (std::map<std::string, std::string>{{"format", "pt"}}));
}

TEST_F(SafetensorsRoundTripTest, RewritingReplacesTheFileAndLeavesNoTemporaryFile) {
  const auto file = folder_ / "model.safetensors";
  write_safetensors(file, {{"x", at::zeros({2})}});
  write_safetensors(file, {{"y", at::ones({3})}});
  EXPECT_EQ(SafetensorsReader::open(file).names(), std::vector<std::string>{"y"});
  EXPECT_EQ(folder_entries(), std::vector<std::string>{"model.safetensors"});
}

TEST_F(SafetensorsRoundTripTest, DuplicateNamesAreAnErrorAndNothingIsWritten) {
  const auto file = folder_ / "duplicate.safetensors";
  try {
    write_safetensors(file, {{"w", at::zeros({1})}, {"b", at::zeros({1})}, {"w", at::ones({1})}});
    FAIL() << "expected an error";
  } catch (const std::runtime_error& error) {
    EXPECT_CONTAINS(error.what(), file.string());
    EXPECT_CONTAINS(error.what(), "duplicate tensor name 'w'");
  }
  EXPECT_TRUE(folder_entries().empty());
}

TEST_F(SafetensorsRoundTripTest, UnsupportedDtypeIsAnErrorNamingTheTensor) {
  const auto file = folder_ / "complex.safetensors";
  try {
    write_safetensors(file, {{"c", at::zeros({2}, at::kComplexFloat)}});
    FAIL() << "expected an error";
  } catch (const std::runtime_error& error) {
    EXPECT_CONTAINS(error.what(), file.string());
    EXPECT_CONTAINS(error.what(), "tensor 'c' has unsupported dtype ComplexFloat");
  }
  EXPECT_TRUE(folder_entries().empty());
}

TEST_F(SafetensorsRoundTripTest, ShardedCheckpointFillsShardsInKeyOrderAndReadsBack) {
  const NamedTensors tensors = {
      {"layer.4", at::full({4}, 4.0f)},  {"layer.0", at::full({4}, 0.0f)},
      {"layer.2", at::full({25}, 2.0f)}, {"layer.1", at::full({2, 2}, 1.0f)},
      {"layer.3", at::full({4}, 3.0f)},
  };
  const auto checkpoint = folder_ / "sharded";
  // 16-byte tensors, 40 bytes a shard: layer.2 (100 bytes) gets its own.
  write_sharded_safetensors(checkpoint, tensors, 40, {{"format", "pt"}});

  const auto index = nlohmann::json::parse(test::read_text_file(checkpoint / "model.safetensors.index.json"));
  EXPECT_EQ(index["metadata"]["total_size"], 164);
  EXPECT_EQ(index["weight_map"], nlohmann::json({{"layer.0", "model-00001-of-00003.safetensors"},
                                                 {"layer.1", "model-00001-of-00003.safetensors"},
                                                 {"layer.2", "model-00002-of-00003.safetensors"},
                                                 {"layer.3", "model-00003-of-00003.safetensors"},
                                                 {"layer.4", "model-00003-of-00003.safetensors"}}));

  for (const auto& path : {checkpoint, checkpoint / "model.safetensors.index.json"}) {
    SCOPED_TRACE(path);
    const auto reader = SafetensorsReader::open(path);
    EXPECT_EQ(reader.path(), path);
    EXPECT_EQ(reader.names(),
              (std::vector<std::string>{"layer.0", "layer.1", "layer.2", "layer.3", "layer.4"}));
    EXPECT_EQ(reader.metadata(), (std::map<std::string, std::string>{{"format", "pt"}}));
    EXPECT_EQ(reader.info("layer.3").file, checkpoint / "model-00003-of-00003.safetensors");
    for (const auto& [name, expected] : tensors) EXPECT_TRUE(at::equal(reader.get(name), expected)) << name;
  }
}

TEST_F(SafetensorsRoundTripTest, EverythingFitsInOneShard) {
  write_sharded_safetensors(folder_, {{"a", at::zeros({2})}, {"b", at::zeros({2})}}, 1 << 20);
  EXPECT_EQ(folder_entries(),
            (std::vector<std::string>{"model-00001-of-00001.safetensors", "model.safetensors.index.json"}));
  EXPECT_EQ(SafetensorsReader::open(folder_).names(), (std::vector<std::string>{"a", "b"}));
}

}  // namespace
}  // namespace vdep
