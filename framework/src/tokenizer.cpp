#include <vdep/tokenizer.h>

namespace vdep {

// Key function: anchors Tokenizer's vtable and type information in libvdep (see component.cpp).
Tokenizer::~Tokenizer() = default;

}  // namespace vdep
