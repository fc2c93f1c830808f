// Errors caused by what the user asked for (command line, experiment file, plugin choice), as
// opposed to failures while running. vdep-run maps them to exit code 2.
#pragma once

#include <stdexcept>
#include <string>

namespace vdep {

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace vdep
