// SentencePiece training through the library (what [tokenizer_training] runs) against the
// reference trainer, spm_train, given the same text and flags.
#include <gtest/gtest.h>

#include <fstream>

#include <vdep/tokenizer.h>

#include "run/tokenizer_training.h"
#include "support/process.h"
#include "support/temporary_folder.h"

namespace vdep::test {
namespace {

class SentencePieceTrainingTest : public TemporaryFolderTest {
 protected:
  static std::vector<std::string> corpus() {
    const char* colours[] = {"red", "green", "blue", "yellow", "purple"};
    const char* kinds[] = {"circle", "square", "triangle", "star"};
    std::vector<std::string> lines = {"A chat between a curious user and an artificial intelligence assistant."};
    for (int i = 0; i < 60; ++i) {
      lines.push_back(std::string("USER: What colour is the ") + kinds[i % 4] + "? ASSISTANT: " + colours[i % 5] +
                      "</s>");
      lines.push_back(std::string("a ") + colours[(i + 1) % 5] + " " + kinds[(i + 2) % 4] + " and " +
                      std::to_string(i % 7) + " " + colours[i % 5] + " " + kinds[i % 4] + "s");
    }
    return lines;
  }
};

TEST_F(SentencePieceTrainingTest, EncodesAsSpmTrainsModelWithTheSameFlags) {
  const std::vector<std::string> lines = corpus();
  TokenizerTrainingOptions options;
  options.vocab_size = 300;
  const std::int64_t pieces = train_sentencepiece_tokenizer(lines, options, folder_ / "ours" / "tokenizer.model");
  EXPECT_LE(pieces, 300);
  EXPECT_GT(pieces, 259);  // 3 control pieces, 256 bytes, and some learnt ones

  std::ofstream text(folder_ / "corpus.txt");
  for (const std::string& line : lines) text << line << "\n";
  text.close();
  const std::string spm_train = VDEP_SPM_TRAIN;
  ASSERT_FALSE(spm_train.empty()) << "spm_train not found: install the Debian package 'sentencepiece'";
  const ProcessResult result = run_process(
      shell_quote(spm_train) + " --input=" + shell_quote((folder_ / "corpus.txt").string()) + " --model_prefix=" +
      shell_quote((folder_ / "reference").string()) +
      " --model_type=bpe --vocab_size=300 --character_coverage=1.0 --byte_fallback=true --split_digits=true"
      " --normalization_rule_name=identity --remove_extra_whitespaces=false --add_dummy_prefix=true"
      " --allow_whitespace_only_pieces=true --hard_vocab_limit=false --unk_id=0 --bos_id=1 --eos_id=2 --pad_id=-1");
  ASSERT_EQ(result.exit_code, 0) << result.err;

  const auto ours = load_tokenizer(folder_ / "ours" / "tokenizer.model");
  const auto reference = load_tokenizer(folder_ / "reference.model");
  EXPECT_EQ(ours->vocab_size(), reference->vocab_size());
  for (const char* sample : {"a red circle and 2 blue squares", "USER: What colour is the star? ASSISTANT: purple</s>",
                             "zebra 42\nline two", "  spaced   out  "}) {
    EXPECT_EQ(ours->encode(sample), reference->encode(sample)) << sample;
  }
  // LLaMA's layout of special pieces, and bytes for what the text never showed.
  EXPECT_EQ(ours->piece(0), "<unk>");
  EXPECT_EQ(ours->bos_id(), std::optional<std::int64_t>(1));
  EXPECT_EQ(ours->eos_id(), std::optional<std::int64_t>(2));
  TokenizeOptions no_special;
  no_special.add_special_tokens = false;
  const std::vector<std::int64_t> newline = ours->encode("\n", no_special);
  ASSERT_FALSE(newline.empty());
  EXPECT_EQ(ours->piece(newline.back()), "<0x0A>");
}

TEST_F(SentencePieceTrainingTest, SameTextGivesTheSameModel) {
  TokenizerTrainingOptions options;
  options.vocab_size = 320;
  train_sentencepiece_tokenizer(corpus(), options, folder_ / "a.model");
  train_sentencepiece_tokenizer(corpus(), options, folder_ / "b.model");
  std::ifstream a(folder_ / "a.model", std::ios::binary), b(folder_ / "b.model", std::ios::binary);
  const std::string bytes_a((std::istreambuf_iterator<char>(a)), {}), bytes_b((std::istreambuf_iterator<char>(b)), {});
  EXPECT_FALSE(bytes_a.empty());
  EXPECT_EQ(bytes_a, bytes_b);
}

TEST_F(SentencePieceTrainingTest, TooSmallAVocabularyIsSentencePiecesError) {
  TokenizerTrainingOptions options;
  options.vocab_size = 16;  // fewer than the 256 byte pieces
  try {
    train_sentencepiece_tokenizer(corpus(), options, folder_ / "tokenizer.model");
    FAIL() << "no error";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("SentencePiece training failed"), std::string::npos) << error.what();
  }
  EXPECT_FALSE(std::filesystem::exists(folder_ / "tokenizer.model"));
}

}  // namespace
}  // namespace vdep::test
