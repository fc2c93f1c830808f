#include <gtest/gtest.h>

#include <unistd.h>

#include "io/atomic_file.h"
#include "support/text_file.h"

namespace vdep {
namespace {

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = std::filesystem::temp_directory_path() / ("vdep-atomic-" + std::to_string(::getpid()));
    std::filesystem::create_directories(folder_);
  }
  void TearDown() override { std::filesystem::remove_all(folder_); }
  std::filesystem::path folder_;
};

TEST_F(AtomicFileTest, WritesAndReplacesLeavingNoTemporaryFiles) {
  const auto path = folder_ / "config.toml";
  write_file_atomically(path, "seed = 1\n");
  EXPECT_EQ(test::read_text_file(path), "seed = 1\n");
  write_file_atomically(path, "seed = 2\n");
  EXPECT_EQ(test::read_text_file(path), "seed = 2\n");
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(folder_)) ++entries;
  EXPECT_EQ(entries, 1u);
}

TEST_F(AtomicFileTest, FailureNamesThePathAndKeepsTheOldFile) {
  const auto path = folder_ / "kept.txt";
  write_file_atomically(path, "old");
  // A folder cannot be replaced by a file: the rename fails after the data was written aside.
  const auto blocked = folder_ / "blocked";
  std::filesystem::create_directories(blocked / "child");
  try {
    write_file_atomically(blocked, "new");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find(blocked.string()), std::string::npos) << error.what();
  }
  EXPECT_EQ(test::read_text_file(path), "old");
  EXPECT_TRUE(std::filesystem::is_directory(blocked / "child"));
  for (const auto& entry : std::filesystem::directory_iterator(folder_)) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp-"), std::string::npos) << entry.path();
  }
}

TEST_F(AtomicFileTest, MissingFolderIsAnErrorNamingIt) {
  const auto path = folder_ / "absent" / "file.txt";
  try {
    write_file_atomically(path, "x");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find((folder_ / "absent").string()), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace vdep
