// Exact match of a short generated answer against its reference, in the spirit of LLaVA's
// short-answer VQA evaluation ("Answer the question using a single word or phrase.").
#pragma once

#include <string>
#include <string_view>

namespace vdep {

// The answer as it is compared: its first non-blank line, without surrounding white space or one
// trailing period, in ASCII lower case. A model that goes on after its answer, or writes "Yes."
// for "Yes", is still judged on the answer alone.
std::string normalize_answer(std::string_view answer);

// Whether the two are equal once normalized.
bool answers_match(std::string_view generated, std::string_view reference);

}  // namespace vdep
