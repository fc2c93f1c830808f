// A plugin as an SDK with another ABI version would have built it.
#include <vdep/plugin.h>

namespace {

std::unique_ptr<vdep::Component> create(const vdep::Params&) { return nullptr; }

const vdep::PluginInfo* entry() {
  static const vdep::PluginInfo info{vdep::kSdkAbiVersion + 41, "9.9.9", vdep::kTorchVersion, vdep::kCompilerId,
                                     vdep::PluginKind::Objective, "test_old_abi", "0.1.0", "", nullptr, 0, create};
  return &info;
}

}  // namespace

BOOST_DLL_ALIAS(entry, vdep_plugin_entry)
