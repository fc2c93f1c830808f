#include "data/data_loader.h"

#include <algorithm>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "data/batch_collation.h"
#include "data/batch_transfer.h"

namespace vdep {

namespace {

EpochOrderSettings order_settings(const DataLoaderOptions& options) {
  EpochOrderSettings settings;
  settings.micro_batch_size = options.micro_batch_size;
  settings.seed = options.seed;
  settings.shuffle = options.shuffle;
  settings.data_ratio = options.data_ratio;
  settings.group_by_modality_length = options.group_by_modality_length;
  settings.gradient_accumulation_steps = options.gradient_accumulation_steps;
  settings.rank = options.rank;
  settings.world_size = options.world_size;
  return settings;
}

}  // namespace

DataLoader::DataLoader(std::vector<const Dataset*> datasets, const ChatTemplate& chat_template,
                       const Tokenizer& tokenizer, ImageProcessorConfig image_config, DataLoaderOptions options)
    : datasets_(std::move(datasets)),
      encoder_(chat_template, tokenizer, image_config, {options.pad_to_square, options.text_labels_in_vdep_mode}),
      options_(options),
      order_settings_(order_settings(options)) {
  if (options_.workers > 0 && options_.prefetch_batches == 0) {
    throw std::invalid_argument("prefetch_batches must be at least 1 when the loader has workers");
  }
  if (options_.data_ratio > 0.0 || options_.group_by_modality_length) modality_lengths_ = datasets_.modality_lengths();
  // Epoch 0's order checks the options now, and gives the length every epoch shares.
  order_ = make_epoch_order(datasets_.size(), modality_lengths_, order_settings_, 0);
  const std::size_t items = order_.items.size();
  const std::size_t batch = options_.micro_batch_size;
  batches_per_epoch_ = options_.drop_last ? items / batch : (items + batch - 1) / batch;
}

DataLoader::~DataLoader() { stop_workers(); }

void DataLoader::stop_workers() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  for (std::thread& worker : workers_) worker.join();
  workers_.clear();
}

void DataLoader::start_epoch(std::uint64_t epoch, std::size_t skip_batches) {
  stop_workers();
  order_ = make_epoch_order(datasets_.size(), modality_lengths_, order_settings_, epoch);
  spdlog::info("data: epoch {}: {}", epoch, order_.composition.describe(order_settings_));
  ready_.clear();
  next_to_claim_ = next_to_deliver_ = std::min(skip_batches, batches_per_epoch_);
  stopping_ = false;
  started_ = true;
  for (std::size_t i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { work(); });
}

DataLoader::EncodedBatch DataLoader::encode_batch(std::size_t batch) noexcept {
  EncodedBatch encoded;
  try {
    const std::size_t begin = batch * options_.micro_batch_size;
    const std::size_t end = std::min(begin + options_.micro_batch_size, order_.items.size());
    std::vector<EncodedSample> samples;
    for (std::size_t i = begin; i < end; ++i) {
      const EpochItem& item = order_.items[i];
      SampleOutcome outcome = encoder_.encode(datasets_.example(item.example), item.mode);
      if (auto* sample = std::get_if<EncodedSample>(&outcome)) {
        report_.record_encoded(item.mode);
        samples.push_back(std::move(*sample));
      } else {
        report_.record_skipped(std::get<SkippedSample>(outcome));
      }
    }
    if (!samples.empty()) {
      encoded.batch = collate(std::move(samples));
      if (options_.pin_memory) pin_batch_memory(*encoded.batch);
    }
  } catch (...) {
    encoded.error = std::current_exception();
  }
  return encoded;
}

void DataLoader::work() {
  std::unique_lock lock(mutex_);
  while (true) {
    changed_.wait(lock, [this] {
      return stopping_ || next_to_claim_ >= batches_per_epoch_ ||
             next_to_claim_ < next_to_deliver_ + options_.prefetch_batches;
    });
    if (stopping_ || next_to_claim_ >= batches_per_epoch_) return;
    const std::size_t batch = next_to_claim_++;
    lock.unlock();
    EncodedBatch encoded = encode_batch(batch);
    lock.lock();
    ready_.emplace(batch, std::move(encoded));
    changed_.notify_all();
  }
}

std::optional<CollatedBatch> DataLoader::next() {
  if (!started_) throw std::logic_error("DataLoader::next() before start_epoch()");
  const auto start = std::chrono::steady_clock::now();
  // Records the wait however next_batch() leaves, rethrown worker errors included.
  struct WaitTimer {
    DataLoader& loader;
    std::chrono::steady_clock::time_point start;
    ~WaitTimer() {
      loader.last_wait_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      loader.total_wait_seconds_ += loader.last_wait_seconds_;
      ++loader.next_calls_;
    }
  } timer{*this, start};
  return next_batch();
}

std::optional<CollatedBatch> DataLoader::next_batch() {
  if (workers_.empty()) {
    while (next_to_deliver_ < batches_per_epoch_) {
      EncodedBatch encoded = encode_batch(next_to_deliver_++);
      if (encoded.error) std::rethrow_exception(encoded.error);
      if (encoded.batch) return std::move(encoded.batch);
    }
    return std::nullopt;
  }
  std::unique_lock lock(mutex_);
  while (next_to_deliver_ < batches_per_epoch_) {
    changed_.wait(lock, [this] { return ready_.count(next_to_deliver_) > 0; });
    const auto found = ready_.find(next_to_deliver_);
    EncodedBatch encoded = std::move(found->second);
    ready_.erase(found);
    ++next_to_deliver_;
    changed_.notify_all();
    if (encoded.error) std::rethrow_exception(encoded.error);
    if (encoded.batch) return std::move(encoded.batch);
  }
  return std::nullopt;
}

}  // namespace vdep
