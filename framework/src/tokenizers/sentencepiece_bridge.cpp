// libvdep_sentencepiece.so: the sentencepiece library behind SentencePieceModel (see
// sentencepiece_model.h for why it is a module of its own).
#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <unordered_map>

#include "tokenizers/sentencepiece_model.h"

namespace vdep {
namespace {

// Sentences from memory, so that no corpus file needs writing.
class SentenceList final : public sentencepiece::SentenceIterator {
 public:
  explicit SentenceList(const std::vector<std::string>& sentences) : sentences_(sentences) {}
  bool done() const override { return next_ >= sentences_.size(); }
  void Next() override { ++next_; }
  const std::string& value() const override { return sentences_[next_]; }
  sentencepiece::util::Status status() const override { return {}; }

 private:
  const std::vector<std::string>& sentences_;
  std::size_t next_ = 0;
};

class Processor final : public SentencePieceModel {
 public:
  std::string load(const std::string& serialized_model) {
    const auto status = processor_.LoadFromSerializedProto(serialized_model);
    return status.ok() ? std::string() : status.ToString();
  }

  std::vector<int> encode(std::string_view text, std::string& error) const override {
    std::vector<int> ids;
    if (const auto status = processor_.Encode(text, &ids); !status.ok()) error = status.ToString();
    return ids;
  }
  std::string decode(const std::vector<int>& ids, std::string& error) const override {
    std::string text;
    if (const auto status = processor_.Decode(ids, &text); !status.ok()) error = status.ToString();
    return text;
  }
  int piece_count() const override { return processor_.GetPieceSize(); }
  int piece_to_id(std::string_view piece) const override { return processor_.PieceToId(piece); }
  std::string id_to_piece(int id) const override { return processor_.IdToPiece(id); }

 private:
  sentencepiece::SentencePieceProcessor processor_;
};

}  // namespace
}  // namespace vdep

extern "C" __attribute__((visibility("default"))) vdep::SentencePieceModel* vdep_create_sentencepiece_model(
    const std::string& serialized_model, std::string& error) {
  auto model = std::make_unique<vdep::Processor>();
  error = model->load(serialized_model);
  return error.empty() ? model.release() : nullptr;
}

// Declared in sentencepiece's internal common.h only: the trainer logs every phase at INFO level
// to stderr, which would drown a run's own log.
namespace sentencepiece::logging {
void SetMinLogLevel(int level);
}

extern "C" __attribute__((visibility("default"))) std::string vdep_train_sentencepiece_model(
    const std::vector<std::string>& sentences, const std::vector<std::pair<std::string, std::string>>& options,
    std::string& error) {
  sentencepiece::logging::SetMinLogLevel(1);
  std::unordered_map<std::string, std::string> arguments(options.begin(), options.end());
  vdep::SentenceList list(sentences);
  std::string serialized;
  const auto status = sentencepiece::SentencePieceTrainer::Train(arguments, &list, &serialized);
  if (!status.ok()) {
    error = status.ToString();
    return {};
  }
  return serialized;
}
