// Console and file logging for vdep-run (spdlog's default logger).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace vdep {

// "trace", "debug", "info", "warn", "error", "off"; anything else is a UsageError listing them.
void set_log_level(std::string_view level);

// Sends log lines to stderr and, when given, appends them to `file` too, with full timestamps.
void configure_logging(std::string_view level, const std::optional<std::filesystem::path>& file);

}  // namespace vdep
