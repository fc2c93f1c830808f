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

// Appends `message` as an error to the log file of the last configure_logging call, if it had one,
// so that a run's log says why it ended; the console has already shown it.
void record_failure_in_log_file(std::string_view message);

}  // namespace vdep
