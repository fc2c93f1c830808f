#include <vdep/llm.h>

namespace vdep {

// Key function: anchors Llm's vtable and type information in libvdep (see component.cpp).
Llm::~Llm() = default;

}  // namespace vdep
