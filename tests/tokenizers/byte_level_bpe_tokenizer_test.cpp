// GPT-2 byte-level BPE: the fixture's reference ids, added tokens as Phi-2 has them, and decoding
// of byte sequences that end mid-character.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include <vdep/tokenizer.h>

#include "support/temporary_folder.h"

namespace vdep::test {
namespace {

const std::filesystem::path kGpt2 = std::filesystem::path(VDEP_FIXTURES_DIR) / "tokenizers" / "gpt2";
const std::string kReplacement = "\xEF\xBF\xBD";  // U+FFFD

const Tokenizer& gpt2() {
  static const std::unique_ptr<Tokenizer> tokenizer = load_tokenizer(kGpt2);
  return *tokenizer;
}

std::vector<std::int64_t> concat(std::initializer_list<std::vector<std::int64_t>> parts) {
  std::vector<std::int64_t> all;
  for (const auto& part : parts) all.insert(all.end(), part.begin(), part.end());
  return all;
}

TEST(ByteLevelBpeTokenizer, EncodesEveryReferenceCaseAndDecodesItBack) {
  std::ifstream cases(kGpt2 / "cases.jsonl");
  ASSERT_TRUE(cases) << kGpt2 / "cases.jsonl";
  std::string line;
  int count = 0;
  while (std::getline(cases, line)) {
    const auto record = nlohmann::json::parse(line);
    const std::string text = record["text"];
    const auto expected = record["ids"].get<std::vector<std::int64_t>>();
    EXPECT_EQ(gpt2().encode(text), expected) << text;
    EXPECT_EQ(gpt2().decode(expected), text);
    ++count;
  }
  EXPECT_EQ(count, 30);
}

TEST(ByteLevelBpeTokenizer, AddsNoSpecialTokensAndKnowsEndOfText) {
  const Tokenizer& t = gpt2();
  const std::vector<std::int64_t> hello = {15496, 11, 995, 0};
  EXPECT_EQ(t.encode("Hello, world!", {true}), hello);
  EXPECT_EQ(t.encode("Hello, world!", {false}), hello);
  EXPECT_EQ(t.bos_id(), 50256);
  EXPECT_EQ(t.eos_id(), 50256);
  EXPECT_EQ(t.eos_token(), "<|endoftext|>");
  EXPECT_EQ(t.vocab_size(), 50257);
  EXPECT_EQ(t.piece(995), "\xC4\xA0world");  // "Ġworld"
  EXPECT_EQ(t.piece_to_id("\xC4\xA0world"), 995);
  EXPECT_EQ(t.piece_to_id("no such piece"), std::nullopt);
  EXPECT_THROW(t.piece(50257), std::out_of_range);
  EXPECT_THROW(t.decode({-1}), std::out_of_range);
}

TEST(ByteLevelBpeTokenizer, EndOfTextWrittenInTheTextBecomesItsId) {
  const Tokenizer& t = gpt2();
  const auto ids = t.encode("Hello<|endoftext|>world");
  EXPECT_EQ(ids, concat({t.encode("Hello"), {50256}, t.encode("world")}));
  EXPECT_EQ(t.decode(ids), "Hello<|endoftext|>world");
  EXPECT_EQ(t.decode(ids, /*skip_special_tokens=*/true), "Helloworld");
  // Longest match first, and the surrounding white space stays with the text.
  EXPECT_EQ(t.encode("a <|endoftext|><|endoftext|> b"), concat({t.encode("a "), {50256, 50256}, t.encode(" b")}));
}

TEST(ByteLevelBpeTokenizer, DecodesBytesThatEndMidCharacterAsReplacement) {
  const Tokenizer& t = gpt2();
  const auto ids = t.encode("\xE6\x9D\xB1");  // 東: two byte-level tokens
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(t.decode({ids[0]}), kReplacement);
  EXPECT_EQ(t.decode(ids), "\xE6\x9D\xB1");
  // Completed by the next ids across a token boundary; cut short before an added token.
  EXPECT_EQ(t.decode({ids[0], 50256, ids[1]}), kReplacement + "<|endoftext|>" + kReplacement);
}

TEST(ByteLevelBpeTokenizer, RejectsTextThatIsNotUtf8) {
  EXPECT_THROW(gpt2().encode("abc\xFF"), std::invalid_argument);
}

class Phi2StyleAddedTokens : public TemporaryFolderTest {
 protected:
  void SetUp() override {
    TemporaryFolderTest::SetUp();
    std::filesystem::create_symlink(kGpt2 / "vocab.json", folder_ / "vocab.json");
    std::filesystem::create_symlink(kGpt2 / "merges.txt", folder_ / "merges.txt");
  }
};

TEST_F(Phi2StyleAddedTokens, RunsOfWhiteSpaceMatchAsAddedTokensLongestFirst) {
  // As Phi-2's tokenizer.json lists them: not special, ids after the vocabulary.
  nlohmann::json added = nlohmann::json::array();
  added.push_back({{"id", 50256}, {"content", "<|endoftext|>"}, {"special", true}, {"lstrip", false}, {"rstrip", false}});
  for (int spaces = 4; spaces >= 2; --spaces) {
    added.push_back({{"id", 50257 + 4 - spaces}, {"content", std::string(spaces, ' ')}, {"special", false},
                     {"lstrip", false}, {"rstrip", false}, {"normalized", true}, {"single_word", false}});
  }
  write("tokenizer.json", nlohmann::json({{"version", "1.0"}, {"added_tokens", added}}).dump());
  write("added_tokens.json", R"({"\t\t": 50260})");
  const auto t = load_tokenizer(folder_);
  EXPECT_EQ(t->vocab_size(), 50261);
  EXPECT_EQ(t->piece(50258), "   ");
  EXPECT_EQ(t->piece_to_id("\t\t"), 50260);

  const Tokenizer& plain = gpt2();
  // 6 spaces: the 4-space token, then the 2-space one, which leaves "b" without its space.
  const std::string text = "a      b\t\tc";
  const auto ids = t->encode(text);
  EXPECT_EQ(ids, concat({plain.encode("a"), {50257}, {50259}, plain.encode("b"), {50260}, plain.encode("c")}));
  EXPECT_EQ(t->decode(ids), text);
  EXPECT_EQ(t->decode(ids, /*skip_special_tokens=*/true), text);  // not special: kept
}

TEST_F(Phi2StyleAddedTokens, ConfigAddedTokensDecoderOverridesAndStrips) {
  write("tokenizer_config.json", R"({
    "added_tokens_decoder": {
      "50257": {"content": "<|im_end|>", "lstrip": true, "rstrip": true, "special": true}
    },
    "eos_token": "<|im_end|>"
  })");
  const auto t = load_tokenizer(folder_);
  const Tokenizer& plain = gpt2();
  EXPECT_EQ(t->encode("x \n<|im_end|>  y"), concat({plain.encode("x"), {50257}, plain.encode("y")}));
  EXPECT_EQ(t->eos_id(), 50257);
  EXPECT_EQ(t->eos_token(), "<|im_end|>");
  EXPECT_EQ(t->bos_id(), 50256);
  EXPECT_EQ(t->decode({87, 50257}, true), "x");
}

}  // namespace
}  // namespace vdep::test
