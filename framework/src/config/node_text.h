// How values of a loaded experiment appear in messages and interpolated strings.
#pragma once

#include <string>
#include <string_view>

#include <toml++/toml.h>

namespace vdep {

// "string", "int", "float", "bool", "table", "array", "date", "time", "date-time".
const char* type_name(const toml::node& node);

// A string as it is, a number in its shortest exact form, anything else as TOML.
std::string value_text(const toml::node& node);

// Shortest text that reads back as exactly `number` ("0.001", "1e-08", "2").
std::string number_text(double number);

}  // namespace vdep
