// load_tokenizer's choice of format and its errors, which name the path and what is wrong.
#include <gtest/gtest.h>

#include <vdep/tokenizer.h>

#include "support/text_file.h"
#include "support/temporary_folder.h"

namespace vdep::test {
namespace {

const std::filesystem::path kGpt2 = std::filesystem::path(VDEP_FIXTURES_DIR) / "tokenizers" / "gpt2";

std::string load_error(const std::filesystem::path& path) {
  try {
    load_tokenizer(path);
  } catch (const std::runtime_error& error) {
    return error.what();
  }
  ADD_FAILURE() << "loading " << path << " did not fail";
  return "";
}

using LoadTokenizerTest = TemporaryFolderTest;

TEST_F(LoadTokenizerTest, OpensAFolderOrAVocabularyFile) {
  EXPECT_EQ(load_tokenizer(kGpt2)->encode("Hello, world!"), (std::vector<std::int64_t>{15496, 11, 995, 0}));
  EXPECT_EQ(load_tokenizer(kGpt2 / "vocab.json")->vocab_size(), 50257);
}

TEST_F(LoadTokenizerTest, MissingPathsAndFilesAreNamed) {
  EXPECT_CONTAINS(load_error(folder_ / "absent"), (folder_ / "absent").string() + ": no such file or folder");
  EXPECT_CONTAINS(load_error(folder_), folder_.string() + ": no tokenizer here (expected tokenizer.model, or vocab.json + merges.txt)");
  std::filesystem::copy_file(kGpt2 / "vocab.json", folder_ / "vocab.json");
  EXPECT_CONTAINS(load_error(folder_), (folder_ / "merges.txt").string() + ": not found");
}

TEST_F(LoadTokenizerTest, MalformedFilesAreNamedWithWhatIsWrong) {
  write("vocab.json", R"({"a": 0, )");
  write("merges.txt", "#version: 0.2\n");
  EXPECT_CONTAINS(load_error(folder_), (folder_ / "vocab.json").string() + ": malformed JSON: ");
  write("vocab.json", R"({"a": "zero"})");
  EXPECT_CONTAINS(load_error(folder_), (folder_ / "vocab.json").string() + ": \"a\": expected a non-negative integer id");
  write("vocab.json", R"({"a": 0})");
  EXPECT_CONTAINS(load_error(folder_), (folder_ / "vocab.json").string() + ": no entry for byte 0");

  std::filesystem::remove(folder_ / "vocab.json");
  std::filesystem::create_symlink(kGpt2 / "vocab.json", folder_ / "vocab.json");
  write("merges.txt", "#version: 0.2\n\xC4\xA0 t\nnot-a-merge\n");
  EXPECT_CONTAINS(load_error(folder_), (folder_ / "merges.txt").string() + ":3: expected two tokens");
  write("merges.txt", "\xC4\xA0 t\n");
  write("tokenizer_config.json", R"({"eos_token": 7})");
  EXPECT_CONTAINS(load_error(folder_), (folder_ / "tokenizer_config.json").string() + ": eos_token: expected an AddedToken");
  write("tokenizer_config.json", "{");
  EXPECT_CONTAINS(load_error(folder_), (folder_ / "tokenizer_config.json").string() + ": malformed JSON");

  std::filesystem::remove(folder_ / "tokenizer_config.json");
  write("tokenizer.model", "not a model");
  EXPECT_CONTAINS(load_error(folder_), (folder_ / "tokenizer.model").string() + ": not a SentencePiece model");
}

}  // namespace
}  // namespace vdep::test
