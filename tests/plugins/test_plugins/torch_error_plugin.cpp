// A factory failing with a LibTorch error, whose what() carries a multi-line C++ backtrace.
#include <c10/util/Exception.h>

#include <vdep/plugin.h>

namespace {

std::unique_ptr<vdep::Component> create(const vdep::Params&) {
  TORCH_CHECK(false, "shape mismatch for vision_model.embeddings.patch_embedding.weight:\nexpected [1024, 3, 14, 14]");
  return nullptr;
}

}  // namespace

VDEP_PLUGIN(Objective, "test_torch_error", "0.1.0", "Test objective whose factory fails a TORCH_CHECK", nullptr, create)
