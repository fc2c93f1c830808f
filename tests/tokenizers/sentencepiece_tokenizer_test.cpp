// SentencePiece as HF's slow LlamaTokenizer uses it, on a small LLaMA-like model (ids 0, 1, 2 =
// <unk>, <s>, </s>; byte fallback; dummy prefix; identity normalisation) trained once per run.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <unistd.h>

#include <vdep/tokenizer.h>

#include "support/process.h"
#include "support/temporary_folder.h"

namespace vdep::test {
namespace {

// Trains the model on first use; throws (failing the test that asked) when spm_train or
// spm_encode is missing.
class TrainedModel {
 public:
  static const TrainedModel& get() {
    static const TrainedModel model;
    return model;
  }
  ~TrainedModel() { std::filesystem::remove_all(folder_); }

  const std::filesystem::path& file() const { return file_; }
  const std::filesystem::path& folder() const { return folder_; }

 private:
  TrainedModel() {
    const std::string spm_train = VDEP_SPM_TRAIN;
    if (spm_train.empty() || std::string(VDEP_SPM_ENCODE).empty()) {
      throw std::runtime_error("spm_train / spm_encode not found: install the Debian package 'sentencepiece' "
                               "(scripts/install-deps.sh does), then reconfigure");
    }
    folder_ = std::filesystem::temp_directory_path() / ("vdep-spm-" + std::to_string(::getpid()));
    std::filesystem::create_directories(folder_);
    const std::vector<std::string> sentences = {
        "A chat between a curious human and an artificial intelligence assistant.",
        "USER: What is in the image? ASSISTANT: A red circle to the left of a blue square.",
        "The quick brown fox jumps over the lazy dog 1234567890 times.",
        "na\u00EFve caf\u00E9 r\u00E9sum\u00E9 Z\u00FCrich fa\u00E7ade",
        "\u6771\u4EAC\u306F\u65E5\u672C\u306E\u9996\u90FD\u3067\u3059\u3002",
        "def f(x):    return x ** 2  # square",
        "Hello world, hello there; world of words."};
    std::ofstream corpus(folder_ / "corpus.txt");
    for (int repeat = 0; repeat < 20; ++repeat) {
      for (const auto& sentence : sentences) corpus << sentence << " " << repeat << "\n";
    }
    corpus.close();
    const std::string command =
        shell_quote(spm_train) + " --input=" + shell_quote((folder_ / "corpus.txt").string()) +
        " --model_prefix=" + shell_quote((folder_ / "tokenizer").string()) +
        " --model_type=bpe --vocab_size=400 --character_coverage=1.0 --unk_id=0 --bos_id=1 --eos_id=2"
        " --pad_id=-1 --byte_fallback=true --add_dummy_prefix=true --remove_extra_whitespaces=false"
        " --normalization_rule_name=identity --split_digits=true --allow_whitespace_only_pieces=true";
    const ProcessResult result = run_process(command);
    if (result.exit_code != 0) throw std::runtime_error("spm_train failed (" + command + "):\n" + result.err);
    file_ = folder_ / "tokenizer.model";
  }

  std::filesystem::path folder_;
  std::filesystem::path file_;
};

// The ids spm_encode gives `text` (one line: no newlines in it).
std::vector<std::int64_t> sp(const std::string& text) {
  const TrainedModel& model = TrainedModel::get();
  const auto input = model.folder() / ("input-" + std::to_string(::getpid()) + ".txt");
  std::ofstream(input, std::ios::binary) << text << "\n";
  const ProcessResult result = run_process(shell_quote(VDEP_SPM_ENCODE) + " --output_format=id --model=" +
                                           shell_quote(model.file().string()) + " " + shell_quote(input.string()));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  std::istringstream words(result.out);
  std::vector<std::int64_t> ids;
  for (std::int64_t id = 0; words >> id;) ids.push_back(id);
  return ids;
}

std::vector<std::int64_t> concat(std::initializer_list<std::vector<std::int64_t>> parts) {
  std::vector<std::int64_t> all;
  for (const auto& part : parts) all.insert(all.end(), part.begin(), part.end());
  return all;
}

std::string joined_pieces(const Tokenizer& tokenizer, const std::vector<std::int64_t>& ids) {
  std::string text;
  for (std::int64_t id : ids) text += tokenizer.piece(id);
  return text;
}

const std::vector<std::string> kTexts = {
    "Hello world",      " leading space",  "trailing space ", "two  spaces",          "line\nbreak\n\nend",
    "tabs\there",       "na\u00EFve caf\u00E9", "\u6771\u4EAC\u3002",   "emoji \U0001F642 and \u00DF", "x",
    "Zebra QUIZ 42"};

constexpr TokenizeOptions kNoSpecial{false};

class SentencePieceTokenizerTest : public TemporaryFolderTest {
 protected:
  // The trained model in this test's folder, with a tokenizer_config.json when `config` is given.
  std::unique_ptr<Tokenizer> load(const std::string& config = "") {
    std::filesystem::copy_file(TrainedModel::get().file(), folder_ / "tokenizer.model",
                               std::filesystem::copy_options::overwrite_existing);
    std::filesystem::remove(folder_ / "tokenizer_config.json");
    if (!config.empty()) write("tokenizer_config.json", config);
    return load_tokenizer(folder_);
  }
};

TEST_F(SentencePieceTokenizerTest, MatchesTheSentencePieceLibraryWithBos) {
  const auto t = load();
  for (const std::string& text : kTexts) {
    if (text.find('\n') != std::string::npos) continue;
    EXPECT_EQ(t->encode(text), concat({{1}, sp(text)})) << text;
    EXPECT_EQ(t->encode(text, kNoSpecial), sp(text)) << text;
  }
  EXPECT_EQ(t->encode(""), (std::vector<std::int64_t>{1}));
  EXPECT_EQ(t->bos_id(), 1);
  EXPECT_EQ(t->eos_id(), 2);
  EXPECT_EQ(t->eos_token(), "</s>");
  EXPECT_EQ(t->piece(0), "<unk>");
  EXPECT_EQ(t->piece(13), "<0x0A>");  // bytes follow the three special pieces
  EXPECT_EQ(t->piece_to_id("</s>"), 2);
  EXPECT_EQ(t->piece_to_id("no such piece"), std::nullopt);
  EXPECT_EQ(t->vocab_size(), 400);
  EXPECT_THROW(t->piece(t->vocab_size()), std::out_of_range);
}

TEST_F(SentencePieceTokenizerTest, RoundTripsText) {
  for (const std::string& config : {std::string(), std::string(R"({"legacy": false})")}) {
    const auto t = load(config);
    for (const std::string& text : kTexts) {
      EXPECT_EQ(t->decode(t->encode(text), /*skip_special_tokens=*/true), text) << text << " " << config;
      EXPECT_EQ(t->decode(t->encode(text, kNoSpecial)), text) << text << " " << config;
    }
  }
}

TEST_F(SentencePieceTokenizerTest, SpecialTokensInTheTextBecomeTheirIds) {
  const auto t = load();
  EXPECT_EQ(t->encode("A</s>B", kNoSpecial), concat({sp("A"), {2}, sp("B")}));
  EXPECT_EQ(t->encode("<s>x<unk>", kNoSpecial), concat({{1}, sp("x"), {0}}));
  // White space beside a special token stays with the text (LlamaTokenizer's lstrip/rstrip=False).
  EXPECT_EQ(t->encode("A </s> B", kNoSpecial), concat({sp("A "), {2}, sp(" B")}));
  const auto ids = t->encode("Hello</s>");
  EXPECT_EQ(t->decode(ids), "<s>Hello</s>");
  EXPECT_EQ(t->decode(ids, /*skip_special_tokens=*/true), "Hello");
}

TEST_F(SentencePieceTokenizerTest, NonLegacyGivesNoPrefixToTextAfterASpecialToken) {
  const auto legacy = load(R"({"legacy": true})");
  const auto modern = load(R"({"legacy": false})");
  for (const std::string& text : kTexts) EXPECT_EQ(modern->encode(text), legacy->encode(text)) << text;

  const auto after_legacy = legacy->encode("A</s>Hello", kNoSpecial);
  EXPECT_EQ(after_legacy, concat({sp("A"), {2}, sp("Hello")}));
  const auto after_modern = modern->encode("A</s>Hello", kNoSpecial);
  ASSERT_GT(after_modern.size(), sp("A").size() + 1);
  EXPECT_EQ(std::vector<std::int64_t>(after_modern.begin(), after_modern.begin() + sp("A").size() + 1),
            concat({sp("A"), {2}}));
  EXPECT_EQ(joined_pieces(*modern, {after_modern.begin() + sp("A").size() + 1, after_modern.end()}), "Hello");
  // A space written after the token is the next word's boundary.
  EXPECT_EQ(modern->encode("A</s> Hello", kNoSpecial), concat({sp("A"), {2}, sp("Hello")}));
  // No lone "▁" in front of a special token at the start.
  EXPECT_EQ(modern->encode("<s>Hi", kNoSpecial)[0], 1);
  EXPECT_EQ(joined_pieces(*modern, modern->encode("<s>Hi", kNoSpecial)), "<s>Hi");
}

TEST_F(SentencePieceTokenizerTest, FollowsTheConfigFlagsAndStripSettings) {
  const auto eos_only = load(R"({"add_bos_token": false, "add_eos_token": true})");
  EXPECT_EQ(eos_only->encode("x"), concat({sp("x"), {2}}));
  EXPECT_EQ(eos_only->encode("x", kNoSpecial), sp("x"));

  const auto stripping = load(R"({"eos_token": {"__type": "AddedToken", "content": "</s>", "lstrip": true,
                                                "rstrip": true, "normalized": false, "single_word": false}})");
  EXPECT_EQ(stripping->encode("A </s> B", kNoSpecial), concat({sp("A"), {2}, sp("B")}));

  write("special_tokens_map.json", R"({"eos_token": "<unk>"})");
  EXPECT_EQ(load()->eos_id(), 0);
}

}  // namespace
}  // namespace vdep::test
