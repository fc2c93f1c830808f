// The ranks of a multi-process run and the collectives the trainer needs, on PyTorch's own c10d
// engine: Gloo between CPU tensors, NCCL between CUDA tensors. Rank 0 hosts the TCPStore through
// which the others find it. Every collective must be called by every rank, in the same order.
// A tensor on another device than the backend's (a CPU count under NCCL, a CUDA tensor under Gloo)
// is copied to the backend's device for the collective and its result copied back.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include "dist/distributed_environment.h"

namespace vdep {

enum class CommunicationBackend { Auto, Gloo, Nccl };

// "auto" | "gloo" | "nccl"; throws std::invalid_argument otherwise.
CommunicationBackend parse_communication_backend(const std::string& name);

// A collective started and not yet waited for.
class PendingCollective {
 public:
  struct Work;
  explicit PendingCollective(std::shared_ptr<Work> work);
  // Blocks until it completes, and its result is in the tensor it was started on; rethrows the
  // backend's error (a peer gone, a timeout).
  void wait();

 private:
  std::shared_ptr<Work> work_;
};

class ProcessGroup {
 public:
  struct Connection;

  // Joins the group `environment` describes and waits, up to `timeout`, for every rank to join.
  // Auto chooses NCCL for CUDA tensors and Gloo for CPU ones. NCCL works on GPU LOCAL_RANK, which
  // must be the current CUDA device already (select_cuda_device).
  static std::unique_ptr<ProcessGroup> connect(const DistributedEnvironment& environment, CommunicationBackend backend,
                                               bool cuda, std::chrono::milliseconds timeout);
  // Ranks that meet through a file instead of TCP: threads of one test, or processes of one machine.
  static std::unique_ptr<ProcessGroup> through_file(const std::string& path, int rank, int size,
                                                    std::chrono::milliseconds timeout);
  // A group that was not closed aborts its communication (NCCL's communicators) without waiting:
  // it ends that way when an error cuts the run short, and waiting could then hang.
  ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  const std::string& backend_name() const { return backend_name_; }
  // Where the backend's collectives run: cuda:LOCAL_RANK for NCCL, the CPU for Gloo.
  const c10::Device& device() const { return device_; }

  // In place: every rank ends with the elementwise sum over ranks.
  void all_reduce_sum(at::Tensor& tensor);
  PendingCollective start_all_reduce_sum(at::Tensor& tensor);
  // In place: every rank ends with `root`'s values.
  void broadcast(at::Tensor& tensor, int root);
  // In place: `root` ends with the elementwise sum over ranks; the other ranks' tensors are left
  // unspecified (Gloo may use them as scratch).
  void reduce_sum(at::Tensor& tensor, int root);
  PendingCollective start_reduce_sum(at::Tensor& tensor, int root);
  // `shards` holds one tensor per rank, each the size of `own`: every rank ends with every rank's `own`.
  void all_gather(std::vector<at::Tensor>& shards, at::Tensor& own);
  void barrier();
  // Ends the group at the end of a successful run: NCCL finishes what it has in flight and frees
  // its communicators (LibTorch 2.x warns of leaked ones otherwise).
  void close();

 private:
  ProcessGroup(std::unique_ptr<Connection> connection, int rank, int size, std::string backend_name,
               c10::Device device);
  // `tensor`, or a copy of it on device() for a backend that cannot reach it where it is.
  at::Tensor on_backend_device(const at::Tensor& tensor) const;

  std::unique_ptr<Connection> connection_;
  bool closed_ = false;
  int rank_ = 0;
  int size_ = 1;
  std::string backend_name_;
  c10::Device device_;
};

}  // namespace vdep
