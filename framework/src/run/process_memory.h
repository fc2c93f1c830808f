// This process's resident memory, for metrics and benchmarks.
#pragma once

namespace vdep {

// The peak resident set size (Linux's VmHWM) in MiB; -1 where /proc/self/status does not say.
double peak_resident_mib();

}  // namespace vdep
