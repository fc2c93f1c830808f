// Runs a command line through the shell and captures its exit code, stdout and stderr.
#pragma once

#include <string>

namespace vdep::test {

struct ProcessResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// `command` is a shell command line (quote arguments with shell_quote).
ProcessResult run_process(const std::string& command);

std::string shell_quote(const std::string& text);

}  // namespace vdep::test
