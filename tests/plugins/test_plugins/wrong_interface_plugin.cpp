// Declares an objective but returns a plain Component: the host must refuse it.
#include <vdep/plugin.h>

namespace {

class NotAnObjective final : public vdep::Component {};

std::unique_ptr<vdep::Component> create(const vdep::Params&) { return std::make_unique<NotAnObjective>(); }

}  // namespace

VDEP_PLUGIN(Objective, "test_wrong_interface", "0.1.0", "Test plugin returning the wrong interface", nullptr, create)
