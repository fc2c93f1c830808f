#include "data/data_loader.h"

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "chat/word_test_tokenizer.h"
#include "example_list_dataset.h"
#include "image_examples_test.h"

namespace vdep {
namespace {

// Everything a micro-batch carries, in a form GoogleTest compares and prints.
struct BatchContents {
  std::vector<std::string> ids;
  std::vector<SampleMode> modes;
  std::vector<std::vector<std::int64_t>> input_ids;
  std::vector<std::vector<std::int64_t>> labels;
  std::vector<float> pixels;

  bool operator==(const BatchContents& other) const {
    return ids == other.ids && modes == other.modes && input_ids == other.input_ids && labels == other.labels &&
           pixels == other.pixels;
  }
};

BatchContents contents(const CollatedBatch& batch) {
  BatchContents result{batch.ids, batch.modes, batch.input_ids, batch.labels, {}};
  if (batch.pixel_values.defined()) {
    const float* data = batch.pixel_values.data_ptr<float>();
    result.pixels.assign(data, data + batch.pixel_values.numel());
  }
  return result;
}

class DataLoaderTest : public test::ImageExamplesTest {
 protected:
  // Example i: "ex<i>", an image of colour (20 i, 255 - 20 i, 7), the caption "picture number <i>".
  std::vector<DatasetExample> examples(std::size_t count) {
    std::vector<DatasetExample> result;
    for (std::size_t i = 0; i < count; ++i) {
      const int shade = static_cast<int>(20 * i);
      result.push_back(captioned("ex" + std::to_string(i), solid_png(std::to_string(i) + ".png", {shade, 255 - shade, 7}),
                                 "picture number " + std::to_string(i)));
      // The test tokenizer numbers words as it meets them: meet them all here, in one order, so
      // that ids do not depend on which worker encodes first.
      plain_->tokenize(result.back().conversations, tokenizer_);
    }
    return result;
  }

  std::unique_ptr<DataLoader> loader(const Dataset& dataset, DataLoaderOptions options) {
    return std::make_unique<DataLoader>(std::vector<const Dataset*>{&dataset}, *plain_, tokenizer_, four_pixels(), options);
  }

  static std::vector<BatchContents> epoch(DataLoader& loader, std::uint64_t number, std::size_t skip_batches = 0) {
    loader.start_epoch(number, skip_batches);
    std::vector<BatchContents> batches;
    while (std::optional<CollatedBatch> batch = loader.next()) batches.push_back(contents(*batch));
    return batches;
  }

  static DataLoaderOptions hybrid(std::size_t workers) {
    DataLoaderOptions options;
    options.micro_batch_size = 4;
    options.seed = 3;
    options.data_ratio = 0.5;
    options.workers = workers;
    options.prefetch_batches = 2;
    return options;
  }

  std::unique_ptr<ChatTemplate> plain_ = ChatTemplate::create("plain");
  test::WordTestTokenizer tokenizer_{test::llama_style()};
};

TEST_F(DataLoaderTest, BatchesCarryTheSamplesOfTheEpochOrderWithTheirImagesStacked) {
  test::ExampleListDataset dataset(examples(5));
  DataLoaderOptions options;
  options.micro_batch_size = 2;
  options.shuffle = false;
  auto data = loader(dataset, options);
  EXPECT_EQ(data->batches_per_epoch(), 3u);
  data->start_epoch(0);

  const std::optional<CollatedBatch> first = data->next();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->ids, (std::vector<std::string>{"ex0", "ex1"}));
  EXPECT_EQ(first->modes, (std::vector<SampleMode>{SampleMode::Llava, SampleMode::Llava}));
  ASSERT_EQ(first->input_ids.size(), 2u);
  EXPECT_EQ(tokenizer_.spell(first->input_ids[1]), "<s> <IMG> \xe2\x96\x81picture \xe2\x96\x81number \xe2\x96\x81" "1\n");
  ASSERT_EQ(first->pixel_values.sizes(), (at::IntArrayRef{2, 3, 4, 4}));
  // ex1's colour (20, 235, 7) / 255 in the second image.
  EXPECT_FLOAT_EQ(first->pixel_values[0][1][2][3].item<float>(), 1.0f);
  EXPECT_FLOAT_EQ(first->pixel_values[1][0][0][0].item<float>(), 20.0f / 255.0f);
  EXPECT_FLOAT_EQ(first->pixel_values[1][1][3][3].item<float>(), 235.0f / 255.0f);

  ASSERT_TRUE(data->next());
  const std::optional<CollatedBatch> last = data->next();
  ASSERT_TRUE(last);
  EXPECT_EQ(last->ids, (std::vector<std::string>{"ex4"})) << "the short last micro-batch, without drop_last";
  EXPECT_FALSE(data->next());
  EXPECT_EQ(data->next_calls(), 4u);
  EXPECT_GT(data->total_wait_seconds(), 0.0);
  EXPECT_GE(data->total_wait_seconds(), data->last_wait_seconds());

  options.drop_last = true;
  EXPECT_EQ(loader(dataset, options)->batches_per_epoch(), 2u);
}

TEST_F(DataLoaderTest, HybridEpochsMixBothModesInEveryMicroBatchAndReportTheCounts) {
  test::ExampleListDataset dataset(examples(12));
  auto data = loader(dataset, hybrid(2));
  const std::vector<BatchContents> batches = epoch(*data, 0);
  // 12 LLaVA + 6 VDEP items in micro-batches of 4: 4 x 6 / 18 = 1.33 VDEP in each full one.
  ASSERT_EQ(batches.size(), 5u);
  for (std::size_t b = 0; b < 4; ++b) {
    const auto vdep = std::count(batches[b].modes.begin(), batches[b].modes.end(), SampleMode::Vdep);
    EXPECT_TRUE(vdep == 1 || vdep == 2) << "micro-batch " << b << " has " << vdep;
  }
  for (const BatchContents& batch : batches) {
    for (std::size_t s = 0; s < batch.ids.size(); ++s) {
      const std::int64_t marker = batch.modes[s] == SampleMode::Vdep ? kAutoImageTokenIndex : kImageTokenIndex;
      EXPECT_EQ(batch.input_ids[s][1], marker);
    }
  }
  EXPECT_EQ(data->report().encoded(SampleMode::Llava), 12);
  EXPECT_EQ(data->report().encoded(SampleMode::Vdep), 6);
  EXPECT_EQ(data->report().skipped_total(), 0);
  EXPECT_EQ(data->composition().llava_items, 12u);
  EXPECT_EQ(data->composition().vdep_items, 6u);
}

TEST_F(DataLoaderTest, TheSameSeedAndEpochGiveTheSameBatchesWhateverTheWorkers) {
  test::ExampleListDataset dataset(examples(12));
  const std::vector<BatchContents> inline_batches = epoch(*loader(dataset, hybrid(0)), 1);
  EXPECT_EQ(epoch(*loader(dataset, hybrid(0)), 1), inline_batches) << "a second loader";
  EXPECT_EQ(epoch(*loader(dataset, hybrid(1)), 1), inline_batches) << "one worker";
  EXPECT_EQ(epoch(*loader(dataset, hybrid(3)), 1), inline_batches) << "three workers";

  // The ids follow make_epoch_order's items for the same settings.
  EpochOrderSettings settings;
  settings.micro_batch_size = 4;
  settings.seed = 3;
  settings.data_ratio = 0.5;
  const EpochOrder order = make_epoch_order(12, std::vector<std::int64_t>(12, 1), settings, 1);
  std::vector<std::string> expected;
  for (const EpochItem& item : order.items) expected.push_back("ex" + std::to_string(item.example));
  std::vector<std::string> seen;
  for (const BatchContents& batch : inline_batches) seen.insert(seen.end(), batch.ids.begin(), batch.ids.end());
  EXPECT_EQ(seen, expected);

  auto data = loader(dataset, hybrid(2));
  EXPECT_NE(epoch(*data, 2), inline_batches) << "another epoch, another order";
}

TEST_F(DataLoaderTest, SkippingBatchesResumesWhereTheFullEpochWouldBe) {
  test::ExampleListDataset dataset(examples(12));
  auto data = loader(dataset, hybrid(2));
  const std::vector<BatchContents> full = epoch(*data, 4);
  ASSERT_EQ(full.size(), 5u);
  const std::vector<BatchContents> resumed = epoch(*data, 4, 2);
  EXPECT_EQ(resumed, std::vector<BatchContents>(full.begin() + 2, full.end()));
  EXPECT_TRUE(epoch(*data, 4, 9).empty()) << "past the end";
}

TEST_F(DataLoaderTest, UnreadableImagesAreSkippedCountedAndReportedWithTheirPath) {
  std::vector<DatasetExample> list = examples(6);
  const auto missing = folder_ / "missing.png";
  const auto corrupt = write("corrupt.png", "GIF89a but not really");
  list[0].images = {missing};
  list[1].images = {corrupt};
  list[3].images = {missing};
  test::ExampleListDataset dataset(list);
  DataLoaderOptions options;
  options.micro_batch_size = 2;
  options.shuffle = false;
  options.workers = 2;
  auto data = loader(dataset, options);
  data->start_epoch(0);
  // {ex0, ex1} lost both samples and is not handed out; {ex2, ex3} lost one.
  std::optional<CollatedBatch> batch = data->next();
  ASSERT_TRUE(batch);
  EXPECT_EQ(batch->ids, (std::vector<std::string>{"ex2"}));
  EXPECT_EQ(batch->pixel_values.size(0), 1);
  batch = data->next();
  ASSERT_TRUE(batch);
  EXPECT_EQ(batch->ids, (std::vector<std::string>{"ex4", "ex5"}));
  EXPECT_FALSE(data->next());

  const DataReport& report = data->report();
  EXPECT_EQ(report.skipped(SkipReason::MissingImage), 2);
  EXPECT_EQ(report.skipped(SkipReason::UndecodableImage), 1);
  EXPECT_EQ(report.encoded(SampleMode::Llava), 3);
  const std::vector<SkippedSample> first = report.first_skipped();
  ASSERT_EQ(first.size(), 3u);
  const std::string text = report.format();
  EXPECT_EQ(text.rfind("data: 3 LLaVA-mode and 0 VDEP-mode samples encoded; 3 skipped\n  missing image: 2\n"
                       "  undecodable image: 1\n  first skipped:\n", 0), 0u) << text;
  EXPECT_NE(text.find("ex3 (LLaVA mode): missing image: " + missing.string()), std::string::npos) << text;
  EXPECT_NE(text.find("ex1 (LLaVA mode): undecodable image: "), std::string::npos) << text;
  EXPECT_NE(text.find(corrupt.string()), std::string::npos) << text;
}

TEST_F(DataLoaderTest, AMalformedRecordsErrorReachesTheCallerOfNext) {
  test::ExampleListDataset dataset(examples(4), {2});
  for (const std::size_t workers : {0, 2}) {
    DataLoaderOptions options;
    options.shuffle = false;
    options.workers = workers;
    auto data = loader(dataset, options);
    data->start_epoch(0);
    EXPECT_EQ(data->next()->ids[0], "ex0");
    EXPECT_EQ(data->next()->ids[0], "ex1");
    try {
      data->next();
      FAIL() << "no error with " << workers << " workers";
    } catch (const std::runtime_error& error) {
      EXPECT_STREQ(error.what(), "records.json: record 2 (byte 1234): \"conversations\" is not an array");
    }
    EXPECT_EQ(data->next()->ids[0], "ex3") << "the loader goes on after the lost micro-batch";
    EXPECT_FALSE(data->next());
  }
}

TEST_F(DataLoaderTest, DestroyingTheLoaderMidEpochStopsItsWorkers) {
  test::ExampleListDataset dataset(examples(12));
  DataLoaderOptions options;
  options.workers = 3;
  options.prefetch_batches = 2;
  const auto start = std::chrono::steady_clock::now();
  {
    auto data = loader(dataset, options);
    data->start_epoch(0);
    ASSERT_TRUE(data->next());
  }
  {
    auto data = loader(dataset, options);
    data->start_epoch(0);
  }
  {
    auto data = loader(dataset, options);
    data->start_epoch(0);
    ASSERT_TRUE(data->next());
    data->start_epoch(1);  // a new epoch drops what the last one prefetched
    EXPECT_EQ(epoch(*data, 1).size(), 12u);
  }
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 10.0);
}

TEST_F(DataLoaderTest, RefusesNoPrefetchWithWorkersAndNextBeforeAnEpoch) {
  test::ExampleListDataset dataset(examples(2));
  DataLoaderOptions options;
  options.prefetch_batches = 0;
  EXPECT_THROW(loader(dataset, options), std::invalid_argument);
  options.prefetch_batches = 1;
  EXPECT_THROW(loader(dataset, options)->next(), std::logic_error);
}

}  // namespace
}  // namespace vdep
