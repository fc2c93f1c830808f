// The host's data loader: examples of the stage's datasets → micro-batches for one rank, encoded by
// worker threads ahead of the trainer.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <vdep/chat_template.h>
#include <vdep/dataset.h>
#include <vdep/image_processor_config.h>
#include <vdep/tokenizer.h>

#include "data/collated_batch.h"
#include "data/concatenated_datasets.h"
#include "data/data_report.h"
#include "data/epoch_order.h"
#include "data/sample_encoder.h"

namespace vdep {

struct DataLoaderOptions {
  std::size_t micro_batch_size = 1;
  std::uint64_t seed = 0;
  bool shuffle = true;
  bool drop_last = false;  // leave out this rank's last micro-batch when it is short
  double data_ratio = 0.0;  // see make_epoch_order
  bool group_by_modality_length = false;
  std::size_t gradient_accumulation_steps = 1;  // for group_by_modality_length's megabatches
  std::size_t rank = 0;
  std::size_t world_size = 1;
  // Threads that encode micro-batches; 0 encodes each one in next(), on the caller's thread.
  std::size_t workers = 2;
  // Micro-batches encoded or being encoded ahead of the one next() hands out; at least 1.
  std::size_t prefetch_batches = 4;
  bool pad_to_square = true;
  bool text_labels_in_vdep_mode = false;
  // Page-lock each micro-batch's pixels as it is encoded (pin_batch_memory), for asynchronous copies
  // to a GPU; only with a CUDA LibTorch.
  bool pin_memory = false;
};

// Micro-batches are encoded whole and independently (SampleEncoder, then collate), each by one
// worker, and handed out in order through a reorder buffer: the batches are the same for any
// number of workers. A sample that cannot be trained on is skipped and counted in report(); a
// micro-batch left empty is not handed out. The datasets, template and tokenizer must outlive the
// loader and be safe to call from several threads.
class DataLoader {
 public:
  // Throws std::invalid_argument for options make_epoch_order refuses, or prefetch_batches of 0
  // with workers.
  DataLoader(std::vector<const Dataset*> datasets, const ChatTemplate& chat_template, const Tokenizer& tokenizer,
             ImageProcessorConfig image_config, DataLoaderOptions options);
  // Stops the workers after the micro-batches they are encoding, mid-epoch or not.
  ~DataLoader();
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  // Begins epoch `epoch` (its order follows from the seed and the epoch alone) at micro-batch
  // `skip_batches`, where a resumed run left off; drops whatever the previous epoch had prefetched.
  // Logs the epoch's composition.
  void start_epoch(std::uint64_t epoch, std::size_t skip_batches = 0);

  // The next micro-batch, or nullopt at the end of the epoch. Rethrows, with its message, an
  // exception thrown while encoding it (a malformed record: see Dataset::example); that micro-batch
  // is then lost and the next call goes on with the one after. Throws std::logic_error before
  // start_epoch().
  std::optional<CollatedBatch> next();

  // Micro-batches of this epoch handed out or passed over (all their samples skipped): where a
  // checkpoint resumes with start_epoch(epoch, position()). Read on the caller's thread only.
  std::size_t position() const { return next_to_deliver_; }

  // This rank's micro-batches per epoch, the same for every epoch, skipped samples not deducted.
  std::size_t batches_per_epoch() const { return batches_per_epoch_; }
  const EpochComposition& composition() const { return order_.composition; }
  // Counts include micro-batches encoded ahead and not handed out yet.
  const DataReport& report() const { return report_; }

  // Time next() spent waiting for data: the last call, and all calls so far with their number.
  double last_wait_seconds() const { return last_wait_seconds_; }
  double total_wait_seconds() const { return total_wait_seconds_; }
  std::size_t next_calls() const { return next_calls_; }

 private:
  // A micro-batch with every sample skipped has no batch.
  struct EncodedBatch {
    std::optional<CollatedBatch> batch;
    std::exception_ptr error;
  };

  EncodedBatch encode_batch(std::size_t batch) noexcept;
  std::optional<CollatedBatch> next_batch();
  void work();
  void stop_workers();

  ConcatenatedDatasets datasets_;
  std::vector<std::int64_t> modality_lengths_;  // empty unless data_ratio or grouping needs them
  SampleEncoder encoder_;
  DataLoaderOptions options_;
  EpochOrderSettings order_settings_;
  DataReport report_;

  EpochOrder order_;
  std::size_t batches_per_epoch_ = 0;
  bool started_ = false;

  std::mutex mutex_;
  std::condition_variable changed_;
  std::size_t next_to_claim_ = 0;    // the next micro-batch a worker takes up
  std::size_t next_to_deliver_ = 0;  // the next micro-batch next() hands out
  std::map<std::size_t, EncodedBatch> ready_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;

  double last_wait_seconds_ = 0.0;
  double total_wait_seconds_ = 0.0;
  std::size_t next_calls_ = 0;
};

}  // namespace vdep
