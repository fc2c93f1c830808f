// `vicuna_v1` (LLaVA-1.5 SFT) and `phi` (TinyLLaVA SFT): a system prompt, then rounds of
// "USER: question ASSISTANT: answer<end>".
#pragma once

#include <memory>

#include <vdep/chat_template.h>

namespace vdep {

// LLaVA's conv_vicuna_v1: separators " " after a question and "</s>" after an answer.
std::unique_ptr<ChatTemplate> make_vicuna_v1_template();
// TinyLLaVA's PhiTemplate: the same layout, each answer ended by "<|endoftext|>".
std::unique_ptr<ChatTemplate> make_phi_template();

}  // namespace vdep
