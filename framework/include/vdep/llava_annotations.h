// LLaVA annotation files (llava_v1_5_mix665k.json, blip_laion_cc_sbu_558k.json, or the same records
// as JSON lines): an index of where each record lies in the memory-mapped file, built in one pass,
// so that a 1 GB file costs 16 bytes per record in memory and each record is parsed only when asked.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <vdep/chat_template.h>
#include <vdep/export.h>

namespace vdep {

// One record: {"id": ..., "image": ..., "conversations": [{"from": ..., "value": ...}, ...]}.
// Other keys ("model", ...) are ignored.
struct LlavaRecord {
  std::string id;                    // a numeric id keeps its JSON spelling; empty when absent
  std::optional<std::string> image;  // relative to the image folder; absent for text-only records
  std::vector<ConversationTurn> conversations;
  // The question type of an evaluation record, as LLaVA's benchmark files (LLaVA-Bench, POPE) and
  // the shapes eval.json label it; absent from training records.
  std::optional<std::string> category;
};

// Errors name the file, the record (counting from 0) and a byte offset:
// "FILE: record N (byte OFFSET): what is wrong".
class VDEP_API LlavaAnnotations {
 public:
  // Maps `path` and finds its records. Throws std::runtime_error for a missing file or one whose
  // records cannot be told apart, with the offset of the defect.
  static LlavaAnnotations open(const std::filesystem::path& path);

  LlavaAnnotations(LlavaAnnotations&&) noexcept;
  LlavaAnnotations& operator=(LlavaAnnotations&&) noexcept;
  ~LlavaAnnotations();

  const std::filesystem::path& path() const;
  std::size_t size() const;

  // Parses record `index` alone. Throws std::out_of_range past the end, and std::runtime_error with
  // the record's offset when it is not valid JSON or not a record of the shape above. Reads only the
  // mapping: safe to call from several threads.
  LlavaRecord record(std::size_t index) const;

  // Parses the first `count` records (all of them when the file has fewer), throwing the first
  // record's error; for checking a file before training rather than hours into it. Like open(),
  // keeps only a window of the file resident.
  void validate_first(std::size_t count) const;
  void validate_all() const { validate_first(size()); }

 private:
  // The mapping and the records' spans: internal types that the SDK does not expose.
  struct Index;
  explicit LlavaAnnotations(std::unique_ptr<Index> index);

  std::unique_ptr<Index> index_;
};

}  // namespace vdep
