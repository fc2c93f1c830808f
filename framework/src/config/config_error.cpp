#include "config/config_error.h"

#include <algorithm>
#include <tuple>
#include <utility>

namespace vdep {

namespace {

std::string join_lines(const std::vector<ConfigDiagnostic>& diagnostics) {
  std::string text;
  for (const auto& diagnostic : diagnostics) {
    if (!text.empty()) text += '\n';
    text += to_string(diagnostic);
  }
  return text;
}

// Reported in file order, whatever order they were found in.
const std::vector<ConfigDiagnostic>& sort_in_file_order(std::vector<ConfigDiagnostic>& diagnostics) {
  std::stable_sort(diagnostics.begin(), diagnostics.end(),
                   [](const ConfigDiagnostic& a, const ConfigDiagnostic& b) {
                     return std::tie(a.file, a.line, a.column) < std::tie(b.file, b.line, b.column);
                   });
  return diagnostics;
}

}  // namespace

std::string to_string(const ConfigDiagnostic& diagnostic) {
  std::string text = diagnostic.file;
  if (diagnostic.line > 0) {
    text += ':' + std::to_string(diagnostic.line) + ':' + std::to_string(diagnostic.column);
  }
  text += ": error: ";
  if (!diagnostic.key.empty()) text += diagnostic.key + ": ";
  text += diagnostic.message;
  return text;
}

ConfigError::ConfigError(std::vector<ConfigDiagnostic> diagnostics)
    : UsageError(join_lines(sort_in_file_order(diagnostics))),
      diagnostics_(std::move(diagnostics)) {}

ConfigError::ConfigError(ConfigDiagnostic diagnostic)
    : ConfigError(std::vector<ConfigDiagnostic>{std::move(diagnostic)}) {}

}  // namespace vdep
