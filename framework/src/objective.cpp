#include <vdep/objective.h>

namespace vdep {

// Key function: anchors Objective's vtable and type information in libvdep (see component.cpp).
Objective::~Objective() = default;

}  // namespace vdep
