// Base of every object a plugin factory creates.
#pragma once

#include <vdep/export.h>

namespace vdep {

// The host creates components through plugin factories and owns them through this base; it then
// checks the object against the plugin's declared kind (vdep::Objective, ...).
class VDEP_API Component {
 public:
  Component() = default;
  Component(const Component&) = delete;
  Component& operator=(const Component&) = delete;
  virtual ~Component();
};

}  // namespace vdep
