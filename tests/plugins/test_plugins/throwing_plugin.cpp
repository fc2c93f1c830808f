// A plugin whose factory rejects its input, as a real one does with a corrupt weights file.
#include <stdexcept>

#include <vdep/plugin.h>

namespace {

std::unique_ptr<vdep::Component> create(const vdep::Params&) {
  throw std::runtime_error("weights file /nonexistent/model.safetensors is truncated");
}

}  // namespace

VDEP_PLUGIN(Objective, "test_throwing", "0.1.0", "Test objective whose factory throws", nullptr, create)
