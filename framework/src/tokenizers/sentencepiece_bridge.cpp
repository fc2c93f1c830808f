// libvdep_sentencepiece.so: the sentencepiece library behind SentencePieceModel (see
// sentencepiece_model.h for why it is a module of its own).
#include <sentencepiece_processor.h>

#include "tokenizers/sentencepiece_model.h"

namespace vdep {
namespace {

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
