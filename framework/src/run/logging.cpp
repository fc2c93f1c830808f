#include "run/logging.h"

#include <memory>
#include <vector>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "text/nearest_match.h"
#include "usage_error.h"

namespace vdep {

namespace {

spdlog::level::level_enum parse_level(std::string_view level) {
  const std::vector<std::string> names = {"trace", "debug", "info", "warn", "error", "off"};
  const spdlog::level::level_enum levels[] = {spdlog::level::trace, spdlog::level::debug,
                                              spdlog::level::info,  spdlog::level::warn,
                                              spdlog::level::err,   spdlog::level::off};
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (level == names[i]) return levels[i];
  }
  std::string message = "--log-level must be one of trace, debug, info, warn, error, off (got '" +
                        std::string(level) + "')";
  if (auto suggestion = nearest_match(level, names)) message += "; did you mean '" + *suggestion + "'?";
  throw UsageError(message);
}

std::shared_ptr<spdlog::sinks::basic_file_sink_mt>& current_log_file() {
  static std::shared_ptr<spdlog::sinks::basic_file_sink_mt> sink;
  return sink;
}

}  // namespace

void configure_logging(std::string_view level, const std::optional<std::filesystem::path>& file) {
  const auto parsed = parse_level(level);
  auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  console->set_pattern("[%H:%M:%S] %^%l%$: %v");
  std::vector<spdlog::sink_ptr> sinks{console};
  current_log_file().reset();
  if (file) {
    auto log_file = std::make_shared<spdlog::sinks::basic_file_sink_mt>(file->string());
    log_file->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%l] %v");
    sinks.push_back(log_file);
    current_log_file() = log_file;
  }
  auto logger = std::make_shared<spdlog::logger>("vdep", sinks.begin(), sinks.end());
  logger->set_level(parsed);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

void record_failure_in_log_file(std::string_view message) {
  if (!current_log_file()) return;
  spdlog::logger("vdep-failure", current_log_file()).error("{}", message);
  current_log_file()->flush();
}

}  // namespace vdep
