// A plugin compiled against another LibTorch.
#include <vdep/plugin.h>

namespace {

std::unique_ptr<vdep::Component> create(const vdep::Params&) { return nullptr; }

const vdep::PluginInfo* entry() {
  static const vdep::PluginInfo info{vdep::kSdkAbiVersion, vdep::kVersion, "0.4.1", vdep::kCompilerId,
                                     vdep::PluginKind::Objective, "test_old_torch", "0.1.0", "", nullptr, 0, create};
  return &info;
}

}  // namespace

BOOST_DLL_ALIAS(entry, vdep_plugin_entry)
