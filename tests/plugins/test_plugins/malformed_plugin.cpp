// A plugin whose parameter table declares one name twice: refused at load time.
#include <vdep/plugin.h>

namespace {

const vdep::ParamSpec kParams[] = {
    {"alpha", vdep::ParamType::Float, "1.0", "First.", 0.0, 1.0, nullptr},
    {"alpha", vdep::ParamType::Float, "0.5", "Second.", 0.0, 1.0, nullptr},
};

std::unique_ptr<vdep::Component> create(const vdep::Params&) { return nullptr; }

}  // namespace

VDEP_PLUGIN(Objective, "test_malformed", "0.1.0", "Test plugin with a duplicate parameter", kParams, create)
