#include "dist/process_group.h"

#include <cstdlib>
#include <stdexcept>

#include "dist/torch_distributed_compat.h"

namespace vdep {

struct PendingCollective::Work {
  c10::intrusive_ptr<c10d::Work> work;
  at::Tensor result;  // the caller's tensor
  at::Tensor staged;  // what the backend works on: `result` itself, or its copy on the backend's device
};

struct ProcessGroup::Connection {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<compat::CollectiveBackend> backend;
};

namespace {

#if VDEP_HAS_C10D_GLOO
bool loopback(const std::string& address) {
  return address == "localhost" || address.rfind("127.", 0) == 0 || address == "::1";
}
#endif

c10::intrusive_ptr<compat::CollectiveBackend> gloo_backend(const c10::intrusive_ptr<c10d::Store>& store, int rank,
                                                           int size, const std::string& master_addr,
                                                           std::chrono::milliseconds timeout) {
#if VDEP_HAS_C10D_GLOO
  auto options = c10d::ProcessGroupGloo::Options::create(timeout);
  // As torch.distributed does: GLOO_SOCKET_IFNAME when the user names an interface. A run whose
  // rank 0 is on this host stays on the loopback device, which exists even where the hostname
  // does not resolve (containers).
  if (const char* interface = std::getenv("GLOO_SOCKET_IFNAME")) {
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(interface));
  } else if (loopback(master_addr)) {
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
  } else {
    options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
  }
  options->threads = 2;
  return c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, size, options);
#else
  throw std::invalid_argument("this vdep was built without c10d's Gloo backend, which CPU processes need (its "
                              "LibTorch lacks the Gloo headers); on GPUs use backend = \"nccl\"");
#endif
}

}  // namespace

CommunicationBackend parse_communication_backend(const std::string& name) {
  if (name == "auto") return CommunicationBackend::Auto;
  if (name == "gloo") return CommunicationBackend::Gloo;
  if (name == "nccl") return CommunicationBackend::Nccl;
  throw std::invalid_argument("unknown communication backend '" + name + "' (expected auto, gloo or nccl)");
}

PendingCollective::PendingCollective(std::shared_ptr<Work> work) : work_(std::move(work)) {}

void PendingCollective::wait() {
  if (work_) {
    work_->work->wait();
    if (!work_->staged.is_same(work_->result)) work_->result.copy_(work_->staged);
  }
  work_.reset();
}

ProcessGroup::ProcessGroup(std::unique_ptr<Connection> connection, int rank, int size, std::string backend_name,
                           c10::Device device)
    : connection_(std::move(connection)),
      rank_(rank),
      size_(size),
      backend_name_(std::move(backend_name)),
      device_(device) {}

ProcessGroup::~ProcessGroup() {
  if (closed_) return;
  // No exception may leave a destructor, and an abort that fails has nothing left to undo.
  try {
    compat::end_communication(*connection_->backend, /*wait=*/false);
  } catch (...) {
  }
}

std::unique_ptr<ProcessGroup> ProcessGroup::connect(const DistributedEnvironment& environment,
                                                    CommunicationBackend backend, bool cuda,
                                                    std::chrono::milliseconds timeout) {
  if (backend == CommunicationBackend::Auto) backend = cuda ? CommunicationBackend::Nccl : CommunicationBackend::Gloo;
  auto connection = std::make_unique<Connection>();
  connection->store = compat::tcp_store(environment.master_addr, environment.master_port, environment.world_size,
                                        environment.rank == 0, timeout);
  if (backend == CommunicationBackend::Nccl) {
#ifdef USE_C10D_NCCL
    connection->backend = compat::nccl_backend(connection->store, environment.rank, environment.world_size, timeout);
    return std::unique_ptr<ProcessGroup>(new ProcessGroup(std::move(connection), environment.rank,
                                                          environment.world_size, "nccl",
                                                          c10::Device(c10::DeviceType::CUDA, environment.local_rank)));
#else
    throw std::invalid_argument("this vdep was built without NCCL (a CPU LibTorch): use backend = \"gloo\"");
#endif
  }
  connection->backend =
      gloo_backend(connection->store, environment.rank, environment.world_size, environment.master_addr, timeout);
  return std::unique_ptr<ProcessGroup>(new ProcessGroup(std::move(connection), environment.rank,
                                                        environment.world_size, "gloo", c10::DeviceType::CPU));
}

std::unique_ptr<ProcessGroup> ProcessGroup::through_file(const std::string& path, int rank, int size,
                                                         std::chrono::milliseconds timeout) {
  auto connection = std::make_unique<Connection>();
  connection->store = c10::make_intrusive<c10d::FileStore>(path, size);
  connection->backend = gloo_backend(connection->store, rank, size, "127.0.0.1", timeout);
  return std::unique_ptr<ProcessGroup>(
      new ProcessGroup(std::move(connection), rank, size, "gloo", c10::DeviceType::CPU));
}

at::Tensor ProcessGroup::on_backend_device(const at::Tensor& tensor) const {
  return tensor.device() == device_ ? tensor : tensor.to(device_);
}

namespace {

// `work` runs on `staged`, which wait() copies back into `result` when they differ.
PendingCollective pending(c10::intrusive_ptr<c10d::Work> work, const at::Tensor& result, const at::Tensor& staged) {
  return PendingCollective(
      std::make_shared<PendingCollective::Work>(PendingCollective::Work{std::move(work), result, staged}));
}

}  // namespace

PendingCollective ProcessGroup::start_all_reduce_sum(at::Tensor& tensor) {
  std::vector<at::Tensor> tensors{on_backend_device(tensor)};
  c10d::AllreduceOptions options;
  options.reduceOp = c10d::ReduceOp::SUM;
  return pending(connection_->backend->allreduce(tensors, options), tensor, tensors[0]);
}

void ProcessGroup::all_reduce_sum(at::Tensor& tensor) { start_all_reduce_sum(tensor).wait(); }

void ProcessGroup::broadcast(at::Tensor& tensor, int root) {
  std::vector<at::Tensor> tensors{on_backend_device(tensor)};
  c10d::BroadcastOptions options;
  options.rootRank = root;
  pending(connection_->backend->broadcast(tensors, options), tensor, tensors[0]).wait();
}

PendingCollective ProcessGroup::start_reduce_sum(at::Tensor& tensor, int root) {
  std::vector<at::Tensor> tensors{on_backend_device(tensor)};
  c10d::ReduceOptions options;
  options.reduceOp = c10d::ReduceOp::SUM;
  options.rootRank = root;
  return pending(connection_->backend->reduce(tensors, options), tensor, tensors[0]);
}

void ProcessGroup::reduce_sum(at::Tensor& tensor, int root) { start_reduce_sum(tensor, root).wait(); }

void ProcessGroup::all_gather(std::vector<at::Tensor>& shards, at::Tensor& own) {
  if (shards.size() != static_cast<std::size_t>(size_)) {
    throw std::invalid_argument("all_gather needs one shard per rank");
  }
  std::vector<at::Tensor> staged_shards;
  for (const at::Tensor& shard : shards) staged_shards.push_back(on_backend_device(shard));
  std::vector<std::vector<at::Tensor>> outputs{staged_shards};
  std::vector<at::Tensor> inputs{on_backend_device(own)};
  connection_->backend->allgather(outputs, inputs)->wait();
  for (std::size_t rank = 0; rank < shards.size(); ++rank) {
    if (!outputs[0][rank].is_same(shards[rank])) shards[rank].copy_(outputs[0][rank]);
  }
}

void ProcessGroup::close() {
  compat::end_communication(*connection_->backend, /*wait=*/true);
  closed_ = true;
}

void ProcessGroup::barrier() {
  c10d::BarrierOptions options;
  // NCCL's barrier is an all-reduce on some GPU: this process's, rather than one guessed as the
  // global rank modulo the visible GPUs, wrong wherever a node runs fewer processes than it has GPUs.
  if (device_.is_cuda()) options.device_ids = {device_.index()};
  connection_->backend->barrier(options)->wait();
}

}  // namespace vdep
