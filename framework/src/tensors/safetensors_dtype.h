// The safetensors names of the dtypes vdep reads and writes.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <c10/core/ScalarType.h>

// Tensors are read and written as raw bytes in the host's order.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "safetensors stores little-endian data");

namespace vdep {

// "F32" -> kFloat, ...; nullopt for a dtype vdep does not support (F8_E4M3, U16, ...).
std::optional<at::ScalarType> dtype_from_safetensors_name(std::string_view name);

// kFloat -> "F32", ...; nullopt for a dtype safetensors or vdep cannot store (complex, quantised).
std::optional<std::string_view> safetensors_name_of(at::ScalarType dtype);

// "F64, F32, ..." for error messages.
std::string supported_safetensors_dtypes();

}  // namespace vdep
