#include "data/llava_annotations.h"

#include <stdexcept>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

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
  return record;
}

}  // namespace

LlavaAnnotations LlavaAnnotations::open(const std::filesystem::path& path) {
  auto file = std::make_unique<MappedFile>(path);
  const std::string_view text(reinterpret_cast<const char*>(file->data()), file->size());
  PagesBehind pages(*file);
  auto spans = find_json_records(text, path.string(), [&](std::size_t scanned) { pages.passed(scanned); });
  pages.release_rest();
  return LlavaAnnotations(path, std::move(file), std::move(spans));
}

LlavaAnnotations::LlavaAnnotations(std::filesystem::path path, std::unique_ptr<MappedFile> file,
                                   std::vector<JsonRecordSpan> spans)
    : path_(std::move(path)), file_(std::move(file)), spans_(std::move(spans)) {}

LlavaAnnotations::LlavaAnnotations(LlavaAnnotations&&) noexcept = default;
LlavaAnnotations& LlavaAnnotations::operator=(LlavaAnnotations&&) noexcept = default;
LlavaAnnotations::~LlavaAnnotations() = default;

LlavaRecord LlavaAnnotations::record(std::size_t index) const {
  if (index >= spans_.size()) {
    throw std::out_of_range(path_.string() + ": no record " + std::to_string(index) + ", the file has " +
                            std::to_string(spans_.size()));
  }
  const JsonRecordSpan& span = spans_[index];
  try {
    return parse_record(std::string_view(reinterpret_cast<const char*>(file_->data()) + span.offset, span.length));
  } catch (const RecordDefect& defect) {
    throw std::runtime_error(path_.string() + ": record " + std::to_string(index) + " (byte " +
                             std::to_string(span.offset) + "): " + defect.what());
  }
}

void LlavaAnnotations::validate_all() const {
  PagesBehind pages(*file_);
  for (std::size_t i = 0; i < spans_.size(); ++i) {
    record(i);
    pages.passed(spans_[i].offset + spans_[i].length);
  }
  pages.release_rest();
}

}  // namespace vdep
