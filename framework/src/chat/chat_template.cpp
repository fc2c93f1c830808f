#include <vdep/chat_template.h>

#include <stdexcept>

#include "chat/plain_template.h"
#include "chat/system_role_template.h"
#include "text/join.h"

namespace vdep {

// Key function: anchors ChatTemplate's vtable in libvdep (see component.cpp).
ChatTemplate::~ChatTemplate() = default;

std::vector<std::string> ChatTemplate::names() { return {"plain", "vicuna_v1", "phi"}; }

std::unique_ptr<ChatTemplate> ChatTemplate::create(std::string_view name) {
  if (name == "plain") return make_plain_template();
  if (name == "vicuna_v1") return make_vicuna_v1_template();
  if (name == "phi") return make_phi_template();
  throw std::invalid_argument("unknown chat template '" + std::string(name) + "' (known: " + join(names(), ", ") + ")");
}

}  // namespace vdep
