// A SentencePiece model behind an interface of our own, served by a separate module
// (libvdep_sentencepiece.so, sentencepiece_bridge.cpp) that libvdep opens with RTLD_DEEPBIND.
// Why: Debian's libsentencepiece carries its own copy of protobuf and exports its symbols, which
// collide with LibTorch's libprotobuf in one process (libprotobuf's static initialisers then call
// into the other copy and crash before main). Opened locally and bound to itself first, the
// module keeps the two apart.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vdep {

class SentencePieceModel {
 public:
  virtual ~SentencePieceModel() = default;
  // Empty `error` on success; the message otherwise.
  virtual std::vector<int> encode(std::string_view text, std::string& error) const = 0;
  virtual std::string decode(const std::vector<int>& ids, std::string& error) const = 0;
  virtual int piece_count() const = 0;
  virtual int piece_to_id(std::string_view piece) const = 0;  // the unknown piece's id when absent
  virtual std::string id_to_piece(int id) const = 0;
};

// The bridge module's entry point, by this name.
using CreateSentencePieceModel = SentencePieceModel* (*)(const std::string& serialized_model, std::string& error);
inline constexpr const char* kCreateSentencePieceModel = "vdep_create_sentencepiece_model";

// The bridge's trainer entry, by this name: the serialized model trained on `sentences` with
// `options` (SentencePiece's trainer flags without dashes, e.g. {"vocab_size", "512"}); empty,
// with `error` set, on failure.
using TrainSentencePieceModel = std::string (*)(const std::vector<std::string>& sentences,
                                                const std::vector<std::pair<std::string, std::string>>& options,
                                                std::string& error);
inline constexpr const char* kTrainSentencePieceModel = "vdep_train_sentencepiece_model";

// A model from the bytes of `file`; throws std::runtime_error "FILE: not a SentencePiece model
// (SentencePiece's message)" when they are not one, or naming the bridge module when it cannot be
// opened.
std::unique_ptr<SentencePieceModel> load_sentencepiece_model(const std::string& serialized_model,
                                                             const std::filesystem::path& file);

// SentencePiece's trainer on `sentences`, through the bridge; returns the serialized model (the
// bytes of a tokenizer.model). Throws std::runtime_error with SentencePiece's message on failure.
std::string train_sentencepiece_model(const std::vector<std::string>& sentences,
                                      const std::vector<std::pair<std::string, std::string>>& options);

}  // namespace vdep
