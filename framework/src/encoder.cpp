#include <vdep/encoder.h>

namespace vdep {

// Key function: anchors Encoder's vtable and type information in libvdep (see component.cpp).
Encoder::~Encoder() = default;

}  // namespace vdep
