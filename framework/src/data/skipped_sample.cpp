#include "data/skipped_sample.h"

namespace vdep {

std::string_view skip_reason_name(SkipReason reason) {
  switch (reason) {
    case SkipReason::MissingImage: return "missing image";
    case SkipReason::UndecodableImage: return "undecodable image";
    case SkipReason::ImageCountMismatch: return "image count mismatch";
    case SkipReason::TokenizationMismatch: return "tokenization mismatch";
    case SkipReason::MalformedConversation: return "malformed conversation";
  }
  return "unknown";
}

}  // namespace vdep
