// Console and file logging for vdep-run (spdlog's default logger).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace vdep {

// Sends log lines to stderr and, when given, appends them to `file` too, with full timestamps.
// `level` is "trace", "debug", "info", "warn", "error" or "off"; anything else is a UsageError
// listing them.
void configure_logging(std::string_view level, const std::optional<std::filesystem::path>& file);

}  // namespace vdep
