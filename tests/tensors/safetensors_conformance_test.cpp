// Reading files built byte by byte from the format's definition, independently of our writer.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <vdep/safetensors.h>

#include "safetensors_test_support.h"
#include "support/text_file.h"

namespace vdep {
namespace {

using test::safetensors_bytes;
using test::write_bytes;

class SafetensorsConformanceTest : public test::TensorFileTest {
 protected:
  // Every supported kind of value, little-endian, one tensor after another.
  std::filesystem::path write_reference_file() {
    std::string header = R"({"__metadata__": {"format": "pt", "note": "hand made"},)"
                         R"( "a_i64": {"dtype": "I64", "shape": [2], "data_offsets": [0, 16]},)"
                         R"( "b_f32": {"dtype": "F32", "shape": [2], "data_offsets": [16, 24]},)"
                         R"( "c_bf16": {"dtype": "BF16", "shape": [1, 2], "data_offsets": [24, 28]},)"
                         R"( "d_f16": {"dtype": "F16", "shape": [1], "data_offsets": [28, 30]},)"
                         R"( "e_bool": {"dtype": "BOOL", "shape": [3], "data_offsets": [30, 33]},)"
                         R"( "f_empty": {"dtype": "F32", "shape": [0, 4], "data_offsets": [33, 33]}})";
    // Padded as the reference writer does, so that the data section starts 8-byte aligned.
    header.append((8 - header.size() % 8) % 8, ' ');
    const std::string data = std::string("\xFD\xFF\xFF\xFF\xFF\xFF\xFF\xFF", 8) +  // -3
                             std::string("\x08\x07\x06\x05\x04\x03\x02\x01", 8) +  // 0x0102030405060708
                             std::string("\x00\x00\xC0\x3F", 4) +                  // 1.5f
                             std::string("\x00\x00\x00\xC0", 4) +                  // -2.0f
                             std::string("\xC0\x3F\x00\xC0", 4) +                  // bf16 1.5, -2
                             std::string("\x00\x3E", 2) +                          // f16 1.5
                             std::string("\x01\x00\x01", 3);                       // true, false, true
    const auto file = folder_ / "reference.safetensors";
    write_bytes(file, safetensors_bytes(header, data));
    return file;
  }
};

TEST_F(SafetensorsConformanceTest, ReadsValuesDtypesShapesAndMetadata) {
  const auto file = write_reference_file();
  const auto reader = SafetensorsReader::open(file);

  EXPECT_EQ(reader.names(),
            (std::vector<std::string>{"a_i64", "b_f32", "c_bf16", "d_f16", "e_bool", "f_empty"}));
  EXPECT_EQ(reader.metadata(), (std::map<std::string, std::string>{{"format", "pt"}, {"note", "hand made"}}));

  EXPECT_EQ(reader.info("a_i64").dtype, at::kLong);
  EXPECT_EQ(reader.info("a_i64").shape, (std::vector<int64_t>{2}));
  EXPECT_EQ(reader.info("a_i64").file, file);
  EXPECT_TRUE(at::equal(reader.get("a_i64"), at::tensor({int64_t{-3}, int64_t{0x0102030405060708}})));

  EXPECT_EQ(reader.info("b_f32").dtype, at::kFloat);
  EXPECT_TRUE(at::equal(reader.get("b_f32"), at::tensor({1.5f, -2.0f})));

  const at::Tensor bf16 = reader.get("c_bf16");
  EXPECT_EQ(bf16.scalar_type(), at::kBFloat16);
  EXPECT_EQ(bf16.sizes(), at::IntArrayRef({1, 2}));
  EXPECT_TRUE(at::equal(bf16.to(at::kFloat), at::tensor({1.5f, -2.0f}).reshape({1, 2})));

  const at::Tensor f16 = reader.get("d_f16");
  EXPECT_EQ(f16.scalar_type(), at::kHalf);
  EXPECT_EQ(f16.to(at::kFloat).item<float>(), 1.5f);

  EXPECT_EQ(reader.info("e_bool").dtype, at::kBool);
  EXPECT_TRUE(at::equal(reader.get("e_bool"), at::tensor({1, 0, 1}).to(at::kBool)));

  const at::Tensor empty = reader.get("f_empty");
  EXPECT_EQ(empty.scalar_type(), at::kFloat);
  EXPECT_EQ(empty.sizes(), at::IntArrayRef({0, 4}));
}

TEST_F(SafetensorsConformanceTest, HeaderWithoutMetadataAndWithPaddingIsAccepted) {
  const auto file = folder_ / "scalar.safetensors";
  write_bytes(file, safetensors_bytes(R"({"x": {"dtype": "I32", "shape": [], "data_offsets": [0, 4]}}   )",
                                      std::string("\x2A\x00\x00\x00", 4)));
  const auto reader = SafetensorsReader::open(file);
  EXPECT_TRUE(reader.metadata().empty());
  const at::Tensor scalar = reader.get("x");
  EXPECT_EQ(scalar.dim(), 0);
  EXPECT_EQ(scalar.item<int32_t>(), 42);
}

TEST_F(SafetensorsConformanceTest, TensorsShareTheMappingAndOutliveTheReader) {
  const auto file = write_reference_file();
  at::Tensor kept;
  {
    const auto reader = SafetensorsReader::open(file);
    kept = reader.get("a_i64");
    EXPECT_EQ(reader.get("a_i64").data_ptr(), kept.data_ptr()) << "get() copied the data";
    EXPECT_TRUE(reader.contains("a_i64"));
    EXPECT_FALSE(reader.contains("a_i6"));
  }
  std::filesystem::remove(file);
  EXPECT_TRUE(at::equal(kept, at::tensor({int64_t{-3}, int64_t{0x0102030405060708}})));
}

TEST_F(SafetensorsConformanceTest, MisalignedTensorIsReadCorrectly) {
  const auto file = folder_ / "misaligned.safetensors";
  std::string header = R"({"a": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]},)"
                       R"( "b": {"dtype": "F32", "shape": [2], "data_offsets": [1, 9]}})";
  // The data section starts 8-byte aligned; the one-byte tensor then puts the F32 one at an odd address.
  header.append((8 - header.size() % 8) % 8, ' ');
  write_bytes(file, safetensors_bytes(header, std::string("\x07\x00\x00\xC0\x3F\x00\x00\x00\xC0", 9)));
  const auto reader = SafetensorsReader::open(file);
  EXPECT_EQ(reader.get("a").item<uint8_t>(), 7);
  EXPECT_TRUE(at::equal(reader.get("b"), at::tensor({1.5f, -2.0f})));
}

TEST_F(SafetensorsConformanceTest, UnknownNameIsOutOfRangeNamingItThePathAndTheNearestName) {
  const auto file = write_reference_file();
  const auto reader = SafetensorsReader::open(file);
  try {
    reader.get("b_f33");
    FAIL() << "expected an error";
  } catch (const std::out_of_range& error) {
    EXPECT_CONTAINS(error.what(), "'b_f33'");
    EXPECT_CONTAINS(error.what(), file.string());
    EXPECT_CONTAINS(error.what(), "did you mean 'b_f32'");
  }
  EXPECT_THROW(reader.info("nothing like it"), std::out_of_range);
}

TEST_F(SafetensorsConformanceTest, FolderOpensItsModelSafetensors) {
  write_reference_file();
  std::filesystem::rename(folder_ / "reference.safetensors", folder_ / "model.safetensors");
  const auto reader = SafetensorsReader::open(folder_);
  EXPECT_EQ(reader.path(), folder_);
  EXPECT_EQ(reader.info("b_f32").file, folder_ / "model.safetensors");
  EXPECT_EQ(reader.names().size(), 6u);
}

TEST_F(SafetensorsConformanceTest, FolderWithoutCheckpointNamesWhatWasLookedFor) {
  try {
    SafetensorsReader::open(folder_);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& error) {
    EXPECT_CONTAINS(error.what(), folder_.string());
    EXPECT_CONTAINS(error.what(), "model.safetensors and model.safetensors.index.json");
  }
}

}  // namespace
}  // namespace vdep
