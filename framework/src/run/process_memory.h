// This process's memory, as Linux reports it in /proc/self/status: for metrics and benchmarks.
#pragma once

#include <string>

namespace vdep {

// A field of /proc/self/status given in KiB ("VmHWM", "VmRSS", "RssAnon", ...); -1 when absent.
long process_status_kib(const std::string& field);

// The peak resident set size (VmHWM) in MiB; -1 where /proc/self/status does not say.
double peak_resident_mib();

}  // namespace vdep
