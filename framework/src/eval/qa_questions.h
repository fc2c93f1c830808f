// The held-out questions of a QA evaluation file: LLaVA records of one image, one human question
// and one short gpt answer, each labelled with its question type (the shapes eval.json).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include <vdep/chat_template.h>

namespace vdep {

struct QaQuestion {
  std::string id;
  std::string category;
  std::filesystem::path image;  // absolute: the image folder joined with the record's "image"
  ConversationTurn question;    // the human turn, its "<image>" marker included
  std::string reference;        // the gpt turn's answer
};

// The first `limit` records of `eval_json` (0 = all). Throws std::runtime_error naming the record
// when one lacks a category or an image, or is not exactly one human turn and one gpt turn: an
// evaluation file that does not say what it asks is a defect, not a question to skip.
std::vector<QaQuestion> read_qa_questions(const std::filesystem::path& eval_json,
                                          const std::filesystem::path& image_folder, std::size_t limit = 0);

}  // namespace vdep
