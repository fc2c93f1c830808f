// c10d as vdep uses it on each LibTorch version (libtorch_version.h says which brought what).
#pragma once

#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
// LibTorch declares its Gloo backend only under USE_C10D_GLOO, and a PyTorch install need not ship
// Gloo's own headers: without either, vdep offers NCCL alone.
#if defined(USE_C10D_GLOO) && __has_include(<gloo/algorithm.h>)
#define VDEP_HAS_C10D_GLOO 1
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#else
#define VDEP_HAS_C10D_GLOO 0
#endif

#include "libtorch_version.h"
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

namespace vdep::compat {

#if VDEP_LIBTORCH_HAS_C10D_BACKEND
// vdep holds the backend itself: the collectives it calls have the same signatures there.
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

// NCCL's communicators need ending (Gloo's backend needs no more than its destructor): after the
// operations in flight finish (`wait`), or at once. NCCL builds are 2.x builds, whose
// ProcessGroupNCCL has shutdown and abort (2.6 and 2.11 checked).
inline void end_communication(CollectiveBackend& backend, bool wait) {
#ifdef USE_C10D_NCCL
  if (auto* nccl = dynamic_cast<c10d::ProcessGroupNCCL*>(&backend)) {
    if (wait) {
      nccl->shutdown();
    } else {
      nccl->abort();
    }
  }
#else
  (void)backend, (void)wait;
#endif
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
