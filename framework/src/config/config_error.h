// Problems found in an experiment's configuration, each pointing at the file, line and column
// that caused it, so that every one can be fixed from one run.
#pragma once

#include <string>
#include <vector>

#include "usage_error.h"

namespace vdep {

struct ConfigDiagnostic {
  std::string file;  // absolute path of the experiment file, or "--set"
  int line = 0;      // 1-based; 0 = unknown
  int column = 0;    // 1-based; 0 = unknown
  std::string key;   // e.g. "stage[1].objectives[0].alpha"; empty for syntax errors
  std::string message;
};

// "FILE:LINE:COL: error: KEY: MESSAGE", leaving out ":LINE:COL" when unknown and "KEY: " when
// empty: the shape compilers use, which editors and terminals turn into links.
std::string to_string(const ConfigDiagnostic& diagnostic);

// what() is every diagnostic, one a line, in file order.
class ConfigError : public UsageError {
 public:
  explicit ConfigError(std::vector<ConfigDiagnostic> diagnostics);
  explicit ConfigError(ConfigDiagnostic diagnostic);

  const std::vector<ConfigDiagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<ConfigDiagnostic> diagnostics_;
};

}  // namespace vdep
