#include <vdep/component.h>

namespace vdep {

// Defined here, out of line, so that Component's vtable and type information live in libvdep
// only: plugins and host then agree on one type for dynamic_cast and exceptions.
Component::~Component() = default;

}  // namespace vdep
