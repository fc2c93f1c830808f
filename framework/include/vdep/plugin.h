// The plugin entry contract: every vdep plugin is a shared library that exports one entry point,
// `vdep_plugin_entry`, returning a pointer to a static `vdep::PluginInfo`.
//
// Modelled on LLVM's pass plugins: one plain struct, checked field by field before anything else
// in it is trusted, and libraries that are never unloaded (LibTorch registers global state).
//
// Writing a plugin:
//
//   #include <vdep/plugin.h>
//   #include <vdep/objective.h>
//
//   namespace {
//   const vdep::ParamSpec kParams[] = {
//       {"scale", vdep::ParamType::Float, "1.0", "Multiplies the loss.", 0.0, vdep::kUnbounded, nullptr},
//   };
//   std::unique_ptr<vdep::Component> create(const vdep::Params& params) { ... }
//   }  // namespace
//
//   VDEP_PLUGIN(Objective, "my_loss", "0.1.0", "One line that says what it does.", kParams, create)
//
// and build it with `vdep_add_plugin(my_loss objective SOURCES my_loss.cpp)` (docs/plugin-authoring.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>

#include <boost/dll/alias.hpp>

#include <vdep/component.h>
#include <vdep/params.h>
#include <vdep/version.h>

namespace vdep {

// The component interface a plugin implements. The host checks that the object a factory returns
// really is of this kind.
enum class PluginKind : std::uint32_t { Encoder = 1, Llm = 2, Objective = 3, Dataset = 4 };

// Type of a plugin parameter, and so of its value in an experiment file.
enum class ParamType : std::uint32_t {
  Bool = 1,
  Int = 2,
  Float = 3,
  String = 4,
  Path = 5,  // a string naming a file or folder: resolved against the experiment file's folder,
             // and `vdep-run check` verifies that it exists
};

inline constexpr double kUnbounded = std::numeric_limits<double>::infinity();

// One parameter of a plugin's schema. `vdep-run plugins NAME` prints these.
struct ParamSpec {
  const char* name;           // key in the experiment file, snake_case
  ParamType type;
  const char* default_value;  // the value as text ("1e-3", "true", "l2"); nullptr = required
  const char* doc;            // one or two sentences: meaning, unit, effect
  double min;                 // inclusive range for Int and Float; -kUnbounded / kUnbounded = none
  double max;
  const char* choices;        // String only: allowed values separated by '|'; nullptr = any string
};

using Factory = std::unique_ptr<Component> (*)(const Params& params);

// What `vdep_plugin_entry` returns. The first four fields are frozen across every ABI version so
// that the host can always read them and explain a mismatch; the rest may change with
// kSdkAbiVersion.
struct PluginInfo {
  std::uint32_t abi_version;  // kSdkAbiVersion of the SDK the plugin was built against
  const char* vdep_version;   // kVersion of that SDK
  const char* torch_version;  // LibTorch version the plugin was compiled against
  const char* compiler;       // compiler and C++ ABI (see kCompilerId)

  PluginKind kind;
  const char* name;         // unique within its kind, snake_case
  const char* version;      // the plugin's own version
  const char* description;  // one line
  const ParamSpec* params;
  std::size_t num_params;
  Factory create;           // throws std::exception on bad input; the host reports its message
};

using PluginEntry = const PluginInfo*();

template <std::size_t N>
constexpr std::size_t param_count(const ParamSpec (&)[N]) {
  return N;
}
constexpr std::size_t param_count(std::nullptr_t) { return 0; }

}  // namespace vdep

// Declares the plugin: one use per shared library. KIND is a vdep::PluginKind enumerator
// (Encoder, Llm, Objective, Dataset); PARAMS a static array of vdep::ParamSpec, or nullptr for a
// plugin without parameters; CREATE a vdep::Factory.
#define VDEP_PLUGIN(KIND, NAME, VERSION, DESCRIPTION, PARAMS, CREATE)                        \
  namespace vdep_plugin_definition {                                                         \
  const ::vdep::PluginInfo* entry() {                                                        \
    static const ::vdep::PluginInfo info{                                                    \
        ::vdep::kSdkAbiVersion,                                                              \
        ::vdep::kVersion,                                                                    \
        ::vdep::kTorchVersion,                                                               \
        ::vdep::kCompilerId,                                                                 \
        ::vdep::PluginKind::KIND,                                                            \
        NAME,                                                                                \
        VERSION,                                                                             \
        DESCRIPTION,                                                                         \
        PARAMS,                                                                              \
        ::vdep::param_count(PARAMS),                                                         \
        CREATE};                                                                             \
    return &info;                                                                            \
  }                                                                                          \
  }                                                                                          \
  BOOST_DLL_ALIAS(vdep_plugin_definition::entry, vdep_plugin_entry)
