// The dataset kind: a random-access list of conversations, each with the images its markers name.
// A dataset only says what an example is; the host's data loader decodes and preprocesses the
// images for the experiment's encoder, renders and tokenizes the conversation with the stage's chat
// template, and decides the order, the sharding and the mode (LLaVA or VDEP) of every example.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <vdep/chat_template.h>
#include <vdep/component.h>

namespace vdep {

struct DatasetExample {
  std::string id;  // for logs and reports; need not be unique
  // Absolute paths, one per image marker of the conversation, in the order the markers appear.
  // Empty for a text-only example. A file that is missing or cannot be decoded makes the loader
  // skip the example and report it; the dataset does not need to check.
  std::vector<std::filesystem::path> images;
  std::vector<ConversationTurn> conversations;  // LLaVA's turns, "<image>" markers in the text
};

class VDEP_API Dataset : public Component {
 public:
  ~Dataset() override;

  virtual std::size_t size() const = 0;

  // Example `index` in [0, size()). Called from several loader threads at once, so it must be
  // safe to call concurrently. Throws std::out_of_range past the end, and std::runtime_error for
  // a malformed record, naming the record and where it is (file, index, byte offset).
  virtual DatasetExample example(std::size_t index) const = 0;

  // LLaVA's `modality_lengths`, for group_by_modality_length: the number of white-space separated
  // words of the conversation, positive for an example with an image and negative for a
  // text-only one. The default parses example(index); a dataset with a cheaper way overrides it.
  virtual std::int64_t modality_length(std::size_t index) const;

  // One line for logs: where the data comes from and how many examples it has.
  virtual std::string describe() const = 0;
};

}  // namespace vdep
