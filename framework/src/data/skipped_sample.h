// An example the loader leaves out of training, and why.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <vdep/objective.h>

namespace vdep {

enum class SkipReason : std::size_t {
  MissingImage,           // an image file is not there
  UndecodableImage,       // an image file cannot be decoded
  ImageCountMismatch,     // the prompt's image markers and the example's images differ in number
  TokenizationMismatch,   // the chat template cannot place the labels (ChatTemplate::tokenize)
  MalformedConversation,  // the chat template refuses the turns (not alternating, no marker for plain)
};
inline constexpr std::size_t kSkipReasonCount = 5;

// "missing image", "undecodable image", ...
std::string_view skip_reason_name(SkipReason reason);

struct SkippedSample {
  std::string id;
  SampleMode mode = SampleMode::Llava;
  SkipReason reason = SkipReason::MalformedConversation;
  std::string detail;  // the file, or what disagreed
};

}  // namespace vdep
