// Declares the same kind and name as good_plugin.cpp: loading both folders must fail.
#include <vdep/objective.h>
#include <vdep/plugin.h>

namespace {

std::unique_ptr<vdep::Component> create(const vdep::Params&) { return nullptr; }

}  // namespace

VDEP_PLUGIN(Objective, "test_scale", "0.2.0", "Same name as the good test plugin", nullptr, create)
