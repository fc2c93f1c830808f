#include "tensors/safetensors_dtype.h"

#include <array>
#include <string>
#include <utility>

namespace vdep {

namespace {

constexpr std::array<std::pair<std::string_view, at::ScalarType>, 10> kDtypes = {{
    {"F64", at::kDouble},
    {"F32", at::kFloat},
    {"F16", at::kHalf},
    {"BF16", at::kBFloat16},
    {"I64", at::kLong},
    {"I32", at::kInt},
    {"I16", at::kShort},
    {"I8", at::kChar},
    {"U8", at::kByte},
    {"BOOL", at::kBool},
}};

}  // namespace

std::optional<at::ScalarType> dtype_from_safetensors_name(std::string_view name) {
  for (const auto& [safetensors_name, dtype] : kDtypes) {
    if (safetensors_name == name) return dtype;
  }
  return std::nullopt;
}

std::optional<std::string_view> safetensors_name_of(at::ScalarType dtype) {
  for (const auto& [safetensors_name, known] : kDtypes) {
    if (known == dtype) return safetensors_name;
  }
  return std::nullopt;
}

std::string supported_safetensors_dtypes() {
  std::string list;
  for (const auto& [safetensors_name, dtype] : kDtypes) {
    if (!list.empty()) list += ", ";
    list += safetensors_name;
  }
  return list;
}

}  // namespace vdep
