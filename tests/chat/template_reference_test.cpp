// The templates against LLaVA's and TinyLLaVA's own label arithmetic, with real tokenizers: a
// LLaMA-style SentencePiece model and the GPT-2 vocabulary that Phi-2 uses. The expected ids and
// labels come from tests/fixtures/chat/make_reference.py, an independent Python rendition of the
// references' preprocessing.
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <vdep/chat_template.h>
#include <vdep/tokenizer.h>

namespace vdep {
namespace {

const std::filesystem::path kChatFixtures = std::filesystem::path(VDEP_FIXTURES_DIR) / "chat";

nlohmann::json expected_cases() {
  std::ifstream file(kChatFixtures / "expected.json");
  return nlohmann::json::parse(file);
}

void expect_reference(const nlohmann::json& cases, const Tokenizer& tokenizer) {
  ASSERT_FALSE(cases.empty());
  for (const auto& reference : cases) {
    std::vector<ConversationTurn> turns;
    for (const auto& turn : reference["turns"]) turns.push_back({turn["from"], turn["value"]});
    const auto chat = ChatTemplate::create(reference["template"].get<std::string>());
    std::string mismatch;
    const auto encoded = chat->tokenize(turns, tokenizer, &mismatch);
    ASSERT_TRUE(encoded) << mismatch;
    EXPECT_EQ(encoded->prompt, reference["prompt"].get<std::string>());
    EXPECT_EQ(encoded->input_ids, reference["input_ids"].get<std::vector<std::int64_t>>()) << reference["prompt"];
    EXPECT_EQ(encoded->labels, reference["labels"].get<std::vector<std::int64_t>>()) << reference["prompt"];
  }
}

TEST(TemplateReferenceTest, PlainAndVicunaV1MatchLlavaWithASentencePieceTokenizer) {
  const auto tokenizer = load_tokenizer(kChatFixtures / "llama_sp");
  expect_reference(expected_cases()["llama_sp"], *tokenizer);
}

TEST(TemplateReferenceTest, PlainAndPhiMatchTinyLlavaWithTheGpt2Vocabulary) {
  const auto tokenizer = load_tokenizer(std::filesystem::path(VDEP_FIXTURES_DIR) / "tokenizers" / "gpt2");
  expect_reference(expected_cases()["gpt2"], *tokenizer);
}

}  // namespace
}  // namespace vdep
