#include "tokenizers/sentencepiece_model.h"

#include <dlfcn.h>

#include <stdexcept>

namespace vdep {

namespace {

// The bridge lies next to libvdep, in the build tree as in an install.
std::filesystem::path bridge_path() {
  Dl_info info{};
  if (::dladdr(reinterpret_cast<void*>(&load_sentencepiece_model), &info) == 0 || info.dli_fname == nullptr) {
    throw std::runtime_error("cannot locate libvdep to find libvdep_sentencepiece.so");
  }
  return std::filesystem::path(info.dli_fname).parent_path() / "libvdep_sentencepiece.so";
}

// The bridge module, opened once and kept for the life of the process, like the library it
// stands for.
void* bridge_handle() {
  static void* const handle = [] {
    const std::filesystem::path path = bridge_path();
    void* opened = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
    if (opened == nullptr) throw std::runtime_error("cannot open " + path.string() + ": " + ::dlerror());
    return opened;
  }();
  return handle;
}

template <class Entry>
Entry bridge_entry(const char* name) {
  void* entry = ::dlsym(bridge_handle(), name);
  if (entry == nullptr) throw std::runtime_error(bridge_path().string() + ": no " + name);
  return reinterpret_cast<Entry>(entry);
}

}  // namespace

std::unique_ptr<SentencePieceModel> load_sentencepiece_model(const std::string& serialized_model,
                                                             const std::filesystem::path& file) {
  std::string error;
  static const auto create = bridge_entry<CreateSentencePieceModel>(kCreateSentencePieceModel);
  std::unique_ptr<SentencePieceModel> model(create(serialized_model, error));
  if (!model) throw std::runtime_error(file.string() + ": not a SentencePiece model (" + error + ")");
  return model;
}

std::string train_sentencepiece_model(const std::vector<std::string>& sentences,
                                      const std::vector<std::pair<std::string, std::string>>& options) {
  static const auto train = bridge_entry<TrainSentencePieceModel>(kTrainSentencePieceModel);
  std::string error;
  std::string serialized = train(sentences, options, error);
  if (serialized.empty()) throw std::runtime_error("SentencePiece training failed: " + error);
  return serialized;
}

}  // namespace vdep
