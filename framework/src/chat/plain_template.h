// `plain`: LLaVA's pre-training format, the image followed by its caption.
#pragma once

#include <memory>

#include <vdep/chat_template.h>

namespace vdep {

// LLaVA's preprocess_plain: exactly one round, the human turn reduced to its image marker, the
// prompt "<image>" + caption + "\n"; the caption and its "\n" are supervised, BOS and the image
// are not. No end-of-sequence token is appended (as in LLaVA-1.5's pre-training).
std::unique_ptr<ChatTemplate> make_plain_template();

}  // namespace vdep
