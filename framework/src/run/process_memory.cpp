#include "run/process_memory.h"

#include <fstream>

namespace vdep {

long process_status_kib(const std::string& field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

double peak_resident_mib() {
  const long kib = process_status_kib("VmHWM");
  return kib < 0 ? -1.0 : static_cast<double>(kib) / 1024.0;
}

}  // namespace vdep
