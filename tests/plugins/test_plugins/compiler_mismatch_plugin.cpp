// A plugin compiled with a compiler whose C++ ABI differs from the host's.
#include <vdep/plugin.h>

namespace {

std::unique_ptr<vdep::Component> create(const vdep::Params&) { return nullptr; }

const vdep::PluginInfo* entry() {
  static const vdep::PluginInfo info{vdep::kSdkAbiVersion, vdep::kVersion, vdep::kTorchVersion, "clang-99 libc++",
                                     vdep::PluginKind::Objective, "test_other_compiler", "0.1.0", "", nullptr, 0, create};
  return &info;
}

}  // namespace

BOOST_DLL_ALIAS(entry, vdep_plugin_entry)
