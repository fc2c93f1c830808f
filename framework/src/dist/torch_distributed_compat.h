// The c10d API differences between the LibTorch versions vdep builds against: Debian's 1.13 (CPU,
// Gloo) and the 2.x inside a CUDA PyTorch install (Gloo and NCCL). Everything that depends on the
// version stays here.
#pragma once

#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/version.h>
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

namespace vdep::compat {

#if TORCH_VERSION_MAJOR >= 2
// 2.0 split c10d's ProcessGroup into a dispatching front and per-device Backends; the collectives
// vdep calls have the same signatures on a Backend, so vdep holds the backend itself.
using CollectiveBackend = c10d::Backend;
#else
using CollectiveBackend = c10d::ProcessGroup;
#endif

inline c10::intrusive_ptr<c10d::TCPStore> tcp_store(const std::string& host, std::uint16_t port, int world_size,
                                                    bool server, std::chrono::milliseconds timeout) {
  c10d::TCPStoreOptions options;
  options.port = port;
  options.isServer = server;
  options.numWorkers = static_cast<std::size_t>(world_size);
  options.waitWorkers = true;
  options.timeout = timeout;
  return c10::make_intrusive<c10d::TCPStore>(host, options);
}

#ifdef USE_C10D_NCCL
inline c10::intrusive_ptr<CollectiveBackend> nccl_backend(const c10::intrusive_ptr<c10d::Store>& store, int rank,
                                                          int size, std::chrono::milliseconds timeout) {
  auto options = c10d::ProcessGroupNCCL::Options::create();
  options->timeout = timeout;
  return c10::make_intrusive<c10d::ProcessGroupNCCL>(store, rank, size, options);
}
#endif

}  // namespace vdep::compat
