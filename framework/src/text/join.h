// Joining words into one line of a message.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vdep {

std::string join(const std::vector<std::string>& items, std::string_view separator);

}  // namespace vdep
