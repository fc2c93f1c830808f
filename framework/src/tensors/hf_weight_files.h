// The names of a Hugging Face checkpoint's weight files in its folder: one file, or shards listed
// by an index.
#pragma once

namespace vdep {

inline constexpr const char* kSafetensorsFileName = "model.safetensors";
inline constexpr const char* kSafetensorsIndexFileName = "model.safetensors.index.json";

}  // namespace vdep
