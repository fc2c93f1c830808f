#include <vdep/llava_annotations.h>

#include <algorithm>
#include <stdexcept>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "data/json_record_spans.h"
#include "tensors/mapped_file.h"

namespace vdep {

namespace {

// Keeps a forward pass over the file from making all of it resident: every 64 MiB, hands back the
// pages behind (they stay in the page cache, see MappedFile::release).
class PagesBehind {
 public:
  explicit PagesBehind(const MappedFile& file) : file_(file) {}

  void passed(std::size_t offset) {
    if (offset - released_ < kEvery) return;
    file_.release(released_, offset - released_);
    released_ = offset;
  }
  void release_rest() const { file_.release(released_, file_.size() - released_); }

 private:
  static constexpr std::size_t kEvery = std::size_t{64} << 20;
  const MappedFile& file_;
  std::size_t released_ = 0;
};

// What is wrong with one record's text, before the file and offset are known.
class RecordDefect : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::string string_member(const nlohmann::json& object, const char* key, const std::string& owner) {
  const auto member = object.find(key);
  if (member == object.end()) throw RecordDefect(owner + "no \"" + key + "\"");
  if (!member->is_string()) throw RecordDefect(owner + "\"" + key + "\" is not a string");
  return member->get<std::string>();
}

LlavaRecord parse_record(std::string_view text) {
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& error) {
    throw RecordDefect(std::string("invalid JSON: ") + error.what());
  }

  LlavaRecord record;
  if (const auto id = json.find("id"); id != json.end()) {
    if (id->is_string()) {
      record.id = id->get<std::string>();
    } else if (id->is_number()) {
      record.id = id->dump();
    } else {
      throw RecordDefect("\"id\" is neither a string nor a number");
    }
  }
  if (const auto image = json.find("image"); image != json.end()) {
    if (!image->is_string()) throw RecordDefect("\"image\" is not a string");
    record.image = image->get<std::string>();
  }
  const auto conversations = json.find("conversations");
  if (conversations == json.end()) throw RecordDefect("the record has no \"conversations\"");
  if (!conversations->is_array()) throw RecordDefect("\"conversations\" is not an array");
  record.conversations.reserve(conversations->size());
  for (std::size_t i = 0; i < conversations->size(); ++i) {
    const nlohmann::json& turn = (*conversations)[i];
    const std::string owner = "turn " + std::to_string(i) + ": ";
    if (!turn.is_object()) throw RecordDefect(owner + "not an object");
    record.conversations.push_back({string_member(turn, "from", owner), string_member(turn, "value", owner)});
  }
  if (const auto category = json.find("category"); category != json.end()) {
    if (!category->is_string()) throw RecordDefect("\"category\" is not a string");
    record.category = category->get<std::string>();
  }
  return record;
}

}  // namespace

struct LlavaAnnotations::Index {
  std::filesystem::path path;
  MappedFile file;
  std::vector<JsonRecordSpan> spans;

  std::string_view text(const JsonRecordSpan& span) const {
    return std::string_view(reinterpret_cast<const char*>(file.data()) + span.offset, span.length);
  }
};

LlavaAnnotations LlavaAnnotations::open(const std::filesystem::path& path) {
  auto index = std::unique_ptr<Index>(new Index{path, MappedFile(path), {}});
  const std::string_view text(reinterpret_cast<const char*>(index->file.data()), index->file.size());
  PagesBehind pages(index->file);
  index->spans = find_json_records(text, path.string(), [&](std::size_t scanned) { pages.passed(scanned); });
  pages.release_rest();
  return LlavaAnnotations(std::move(index));
}

LlavaAnnotations::LlavaAnnotations(std::unique_ptr<Index> index) : index_(std::move(index)) {}

LlavaAnnotations::LlavaAnnotations(LlavaAnnotations&&) noexcept = default;
LlavaAnnotations& LlavaAnnotations::operator=(LlavaAnnotations&&) noexcept = default;
LlavaAnnotations::~LlavaAnnotations() = default;

const std::filesystem::path& LlavaAnnotations::path() const { return index_->path; }

std::size_t LlavaAnnotations::size() const { return index_->spans.size(); }

LlavaRecord LlavaAnnotations::record(std::size_t index) const {
  const std::vector<JsonRecordSpan>& spans = index_->spans;
  if (index >= spans.size()) {
    throw std::out_of_range(index_->path.string() + ": no record " + std::to_string(index) + ", the file has " +
                            std::to_string(spans.size()));
  }
  const JsonRecordSpan& span = spans[index];
  try {
    return parse_record(index_->text(span));
  } catch (const RecordDefect& defect) {
    throw std::runtime_error(index_->path.string() + ": record " + std::to_string(index) + " (byte " +
                             std::to_string(span.offset) + "): " + defect.what());
  }
}

void LlavaAnnotations::validate_first(std::size_t count) const {
  const std::vector<JsonRecordSpan>& spans = index_->spans;
  const std::size_t end = std::min(count, spans.size());
  PagesBehind pages(index_->file);
  for (std::size_t i = 0; i < end; ++i) {
    record(i);
    pages.passed(spans[i].offset + spans[i].length);
  }
  pages.release_rest();
}

}  // namespace vdep
