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

CreateSentencePieceModel bridge() {
  // Opened once and kept for the life of the process, like the library it stands for.
  static const CreateSentencePieceModel create = [] {
    const std::filesystem::path path = bridge_path();
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
    if (handle == nullptr) throw std::runtime_error("cannot open " + path.string() + ": " + ::dlerror());
    void* entry = ::dlsym(handle, kCreateSentencePieceModel);
    if (entry == nullptr) throw std::runtime_error(path.string() + ": no " + kCreateSentencePieceModel);
    return reinterpret_cast<CreateSentencePieceModel>(entry);
  }();
  return create;
}

}  // namespace

std::unique_ptr<SentencePieceModel> load_sentencepiece_model(const std::string& serialized_model,
                                                             const std::filesystem::path& file) {
  std::string error;
  std::unique_ptr<SentencePieceModel> model(bridge()(serialized_model, error));
  if (!model) throw std::runtime_error(file.string() + ": not a SentencePiece model (" + error + ")");
  return model;
}

}  // namespace vdep
