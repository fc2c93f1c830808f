#include <vdep/chat_template.h>

#include <gtest/gtest.h>

#include "chat/word_test_tokenizer.h"

namespace vdep {
namespace {

using test::WordTestTokenizer;

const std::string kSystem =
    "A chat between a curious user and an artificial intelligence assistant. The assistant gives helpful, "
    "detailed, and polite answers to the user's questions.";
const std::string kSystemPieces =
    "\xe2\x96\x81" "A \xe2\x96\x81" "chat \xe2\x96\x81" "between \xe2\x96\x81" "a \xe2\x96\x81" "curious "
    "\xe2\x96\x81" "user \xe2\x96\x81" "and \xe2\x96\x81" "an \xe2\x96\x81" "artificial \xe2\x96\x81"
    "intelligence \xe2\x96\x81" "assistant. \xe2\x96\x81" "The \xe2\x96\x81" "assistant \xe2\x96\x81"
    "gives \xe2\x96\x81" "helpful, \xe2\x96\x81" "detailed, \xe2\x96\x81" "and \xe2\x96\x81" "polite "
    "\xe2\x96\x81" "answers \xe2\x96\x81" "to \xe2\x96\x81" "the \xe2\x96\x81" "user's \xe2\x96\x81" "questions.";

// "▁" and "Ġ" spelt out, so that expected sequences read like the pieces they are.
std::string sp(const std::string& text) {
  std::string out;
  for (const char c : text) out += c == '_' ? std::string("\xe2\x96\x81") : std::string(1, c);
  return out;
}
std::string gpt2(const std::string& text) {
  std::string out;
  for (const char c : text) out += c == '_' ? std::string("\xc4\xa0") : std::string(1, c);
  return out;
}
std::string masked(std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) out += (i ? " " : "") + std::string("\xc2\xb7");
  return out;
}

const std::vector<ConversationTurn> kOneRound = {{"human", "What is shown?\n<image>"}, {"gpt", "A cat."}};
const std::vector<ConversationTurn> kTwoRounds = {
    {"human", "<image>\nWhat is shown?"}, {"gpt", "A cat."}, {"human", "Colour?"}, {"gpt", "Red."}};

TEST(ChatTemplateTest, VicunaV1RendersLlavaPromptWithImageMovedToTheFront) {
  const auto chat = ChatTemplate::create("vicuna_v1");
  EXPECT_EQ(chat->render(kOneRound), kSystem + " USER: <image>\nWhat is shown? ASSISTANT: A cat.</s>");
  EXPECT_EQ(chat->render(kTwoRounds),
            kSystem + " USER: <image>\nWhat is shown? ASSISTANT: A cat.</s>USER: Colour? ASSISTANT: Red.</s>");
  EXPECT_EQ(chat->render_generation_prompt({{"human", "<image> Describe it. "}}),
            kSystem + " USER: <image>\nDescribe it. ASSISTANT:");
}

TEST(ChatTemplateTest, VicunaV1SupervisesAnswersWithTheirEndTokenOnly) {
  WordTestTokenizer tokenizer(test::llama_style());
  const auto encoded = ChatTemplate::create("vicuna_v1")->tokenize(kOneRound, tokenizer);
  ASSERT_TRUE(encoded);
  // "USER: " ends in a lone "▁" before the image, as LLaVA's tokenizer_image_token produces.
  EXPECT_EQ(tokenizer.spell(encoded->input_ids),
            "<s> " + kSystemPieces + sp(" _USER: _ <IMG> _\nWhat _is _shown? _ASSISTANT: _A _cat. </s>"));
  EXPECT_EQ(tokenizer.spell(encoded->labels), masked(31) + sp(" _A _cat. </s>"));
  EXPECT_EQ(encoded->input_ids.size(), encoded->labels.size());
}

TEST(ChatTemplateTest, VicunaV1LabelsEveryRoundWithLegacyAndNonLegacySpaces) {
  for (const bool legacy : {true, false}) {
    test::WordTokenizerStyle style = test::llama_style();
    style.prefix_after_special = legacy;
    WordTestTokenizer tokenizer(style);
    const auto encoded = ChatTemplate::create("vicuna_v1")->tokenize(kTwoRounds, tokenizer);
    ASSERT_TRUE(encoded) << "legacy " << legacy;
    const std::string user = legacy ? "_USER:" : "USER:";
    EXPECT_EQ(tokenizer.spell(encoded->input_ids),
              "<s> " + kSystemPieces +
                  sp(" _USER: _ <IMG> _\nWhat _is _shown? _ASSISTANT: _A _cat. </s> " + user +
                     " _Colour? _ASSISTANT: _Red. </s>"));
    EXPECT_EQ(tokenizer.spell(encoded->labels), masked(31) + sp(" _A _cat. </s> ") + masked(3) + sp(" _Red. </s>"));
  }
}

TEST(ChatTemplateTest, PhiUsesEndOfTextAndNoBos) {
  WordTestTokenizer tokenizer(test::gpt2_style());
  const auto chat = ChatTemplate::create("phi");
  EXPECT_EQ(chat->render(kTwoRounds),
            kSystem + " USER: <image>\nWhat is shown? ASSISTANT: A cat.<|endoftext|>USER: Colour? ASSISTANT: Red.<|endoftext|>");
  const auto encoded = chat->tokenize(kTwoRounds, tokenizer);
  ASSERT_TRUE(encoded);
  const std::string system = gpt2(
      "A _chat _between _a _curious _user _and _an _artificial _intelligence _assistant. _The _assistant _gives "
      "_helpful, _detailed, _and _polite _answers _to _the _user's _questions.");
  EXPECT_EQ(tokenizer.spell(encoded->input_ids),
            system + gpt2(" _USER: _ <IMG> \nWhat _is _shown? _ASSISTANT: _A _cat. <|endoftext|> USER: _Colour? "
                          "_ASSISTANT: _Red. <|endoftext|>"));
  EXPECT_EQ(tokenizer.spell(encoded->labels),
            masked(30) + gpt2(" _A _cat. <|endoftext|> ") + masked(3) + gpt2(" _Red. <|endoftext|>"));
}

TEST(ChatTemplateTest, PlainIsImageCaptionNewlineWithBosAndImageMasked) {
  WordTestTokenizer tokenizer(test::llama_style());
  const auto chat = ChatTemplate::create("plain");
  const std::vector<ConversationTurn> caption = {{"human", "Describe the image briefly.\n<image>"}, {"gpt", "a red circle"}};
  EXPECT_EQ(chat->render(caption), "<image>a red circle\n");
  const auto encoded = chat->tokenize(caption, tokenizer);
  ASSERT_TRUE(encoded);
  EXPECT_EQ(tokenizer.spell(encoded->input_ids), sp("<s> <IMG> _a _red _circle\n"));
  EXPECT_EQ(tokenizer.spell(encoded->labels), masked(2) + sp(" _a _red _circle\n"));

  WordTestTokenizer bpe(test::gpt2_style());
  const auto without_bos = chat->tokenize(caption, bpe);
  ASSERT_TRUE(without_bos);
  EXPECT_EQ(bpe.spell(without_bos->input_ids), gpt2("<IMG> a _red _circle\n"));
  EXPECT_EQ(bpe.spell(without_bos->labels), masked(1) + gpt2(" a _red _circle\n"));
}

// An extension of LLaVA's plain template, whose preprocess_plain asserts an image: a text-only
// example is its caption alone, every token after BOS supervised (language-model pre-training).
TEST(ChatTemplateTest, PlainWithoutAnImageSupervisesTheWholeCaption) {
  WordTestTokenizer tokenizer(test::llama_style());
  const auto chat = ChatTemplate::create("plain");
  const std::vector<ConversationTurn> caption = {{"human", "Describe the image briefly."}, {"gpt", "a red circle"}};
  EXPECT_EQ(chat->render(caption), "a red circle\n");
  const auto encoded = chat->tokenize(caption, tokenizer);
  ASSERT_TRUE(encoded);
  EXPECT_EQ(tokenizer.spell(encoded->input_ids), sp("<s> _a _red _circle\n"));
  EXPECT_EQ(tokenizer.spell(encoded->labels), masked(1) + sp(" _a _red _circle\n"));
}

TEST(ChatTemplateTest, AutoImageMarkerGetsItsOwnId) {
  WordTestTokenizer tokenizer(test::llama_style());
  const auto encoded = ChatTemplate::create("plain")->tokenize({{"human", "<auto_image>"}, {"gpt", "a cat"}}, tokenizer);
  ASSERT_TRUE(encoded);
  EXPECT_EQ(encoded->input_ids[1], kAutoImageTokenIndex);
  EXPECT_EQ(encoded->prompt, "<auto_image>a cat\n");
}

TEST(ChatTemplateTest, SeveralImagesStayWhereTheyAreWritten) {
  WordTestTokenizer tokenizer(test::llama_style());
  const auto encoded =
      ChatTemplate::create("vicuna_v1")->tokenize({{"human", "Compare <image> with <image>."}, {"gpt", "Same."}}, tokenizer);
  ASSERT_TRUE(encoded);
  EXPECT_NE(encoded->prompt.find("USER: Compare <image> with <image>. ASSISTANT:"), std::string::npos);
  EXPECT_EQ(std::count(encoded->input_ids.begin(), encoded->input_ids.end(), kImageTokenIndex), 2);
}

TEST(ChatTemplateTest, TextOnlyConversationsHaveNoMarker) {
  WordTestTokenizer tokenizer(test::llama_style());
  const auto encoded = ChatTemplate::create("vicuna_v1")->tokenize({{"human", "Hi"}, {"gpt", "Hello."}}, tokenizer);
  ASSERT_TRUE(encoded);
  EXPECT_EQ(tokenizer.spell(encoded->input_ids), "<s> " + kSystemPieces + sp(" _USER: _Hi _ASSISTANT: _Hello. </s>"));
  EXPECT_EQ(tokenizer.spell(encoded->labels), masked(27) + sp(" _Hello. </s>"));
}

TEST(ChatTemplateTest, LeadingAssistantTurnIsDroppedAsInLlava) {
  const auto chat = ChatTemplate::create("vicuna_v1");
  EXPECT_EQ(chat->render({{"gpt", "ignored"}, {"human", "Hi"}, {"gpt", "Hello."}}),
            chat->render({{"human", "Hi"}, {"gpt", "Hello."}}));
}

TEST(ChatTemplateTest, MergeAcrossASegmentBoundaryIsAMismatchNotWrongLabels) {
  test::WordTokenizerStyle style = test::llama_style();
  style.glue_after_colon = true;
  WordTestTokenizer tokenizer(style);
  std::string why;
  EXPECT_FALSE(ChatTemplate::create("vicuna_v1")->tokenize(kOneRound, tokenizer, &why));
  EXPECT_NE(why.find("tokenization mismatch at the end of segment 0"), std::string::npos) << why;
}

TEST(ChatTemplateTest, MalformedConversationsAreRejectedWithTheTurn) {
  WordTestTokenizer tokenizer(test::llama_style());
  const auto chat = ChatTemplate::create("vicuna_v1");
  const auto message = [&](const std::vector<ConversationTurn>& turns) {
    try {
      chat->tokenize(turns, tokenizer);
    } catch (const std::invalid_argument& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message({{"human", "a"}, {"human", "b"}}),
            "turn 1: expected a gpt turn, got 'human' (turns must alternate human / gpt)");
  EXPECT_EQ(message({{"human", "a"}, {"robot", "b"}}), "turn 1: unknown speaker 'robot' (expected human/user or gpt/assistant)");
  EXPECT_EQ(message({}), "the conversation has no human turn");
  EXPECT_EQ(message({{"human", "a"}}), "vicuna_v1 template: the conversation ends with a human turn that has no answer");
  EXPECT_THROW(ChatTemplate::create("plain")->tokenize(kTwoRounds, tokenizer), std::invalid_argument);
}

TEST(ChatTemplateTest, UnknownTemplateListsTheKnownOnes) {
  try {
    ChatTemplate::create("llama3");
    FAIL() << "no error";
  } catch (const std::invalid_argument& error) {
    EXPECT_STREQ(error.what(), "unknown chat template 'llama3' (known: plain, vicuna_v1, phi)");
  }
}

}  // namespace
}  // namespace vdep
