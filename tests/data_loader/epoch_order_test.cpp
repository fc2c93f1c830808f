#include "data/epoch_order.h"

#include <algorithm>
#include <cstdlib>
#include <cstdint>
#include <map>
#include <set>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

namespace vdep {
namespace {

// `images` examples with an image (length +5) followed by `text_only` ones (length -3).
std::vector<std::int64_t> lengths(std::size_t images, std::size_t text_only) {
  std::vector<std::int64_t> result(images, 5);
  result.insert(result.end(), text_only, -3);
  return result;
}

EpochOrderSettings hybrid(double data_ratio, std::size_t micro_batch) {
  EpochOrderSettings settings;
  settings.data_ratio = data_ratio;
  settings.micro_batch_size = micro_batch;
  settings.seed = 7;
  return settings;
}

std::size_t count_mode(const std::vector<EpochItem>& items, SampleMode mode) {
  return static_cast<std::size_t>(
      std::count_if(items.begin(), items.end(), [&](const EpochItem& item) { return item.mode == mode; }));
}

TEST(EpochOrderTest, EveryExampleOnceInLlavaModeAndARoundedShareOfTheImageOnesInVdepMode) {
  const EpochOrder order = make_epoch_order(12, lengths(10, 2), hybrid(0.5, 4), 0);
  ASSERT_EQ(order.items.size(), 17u);
  EXPECT_EQ(count_mode(order.items, SampleMode::Llava), 12u);
  EXPECT_EQ(count_mode(order.items, SampleMode::Vdep), 5u);

  std::multiset<std::size_t> llava;
  std::set<std::size_t> vdep;
  for (const EpochItem& item : order.items) {
    if (item.mode == SampleMode::Llava) llava.insert(item.example);
    else vdep.insert(item.example);
  }
  EXPECT_EQ(llava, (std::multiset<std::size_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
  EXPECT_EQ(vdep.size(), 5u) << "five different examples";
  EXPECT_LT(*vdep.rbegin(), 10u) << "the text-only examples 10 and 11 have no image to reconstruct";

  const EpochComposition& counts = order.composition;
  EXPECT_EQ(counts.examples, 12u);
  EXPECT_EQ(counts.image_examples, 10u);
  EXPECT_EQ(counts.text_only_examples, 2u);
  EXPECT_EQ(counts.llava_items, 12u);
  EXPECT_EQ(counts.vdep_items, 5u);
  EXPECT_EQ(counts.rank_llava_items, 12u);
  EXPECT_EQ(counts.rank_vdep_items, 5u);
  EXPECT_EQ(counts.repeated_items, 0u);
  EXPECT_EQ(counts.describe(hybrid(0.5, 4)),
            "17 items: 12 LLaVA-mode + 5 VDEP-mode (data_ratio 0.5 of 10 examples with an image; 2 text-only)");
}

TEST(EpochOrderTest, VdepCountRoundsHalfAwayFromZero) {
  EXPECT_EQ(make_epoch_order(5, lengths(5, 0), hybrid(0.5, 2), 0).composition.vdep_items, 3u);  // 2.5
  EXPECT_EQ(make_epoch_order(5, lengths(5, 0), hybrid(0.3, 2), 0).composition.vdep_items, 2u);  // 1.5
  EXPECT_EQ(make_epoch_order(5, lengths(5, 0), hybrid(0.2, 2), 0).composition.vdep_items, 1u);  // 1.0
  EXPECT_EQ(make_epoch_order(5, lengths(5, 0), hybrid(1.0, 2), 0).composition.vdep_items, 5u);
  EXPECT_EQ(make_epoch_order(5, {}, hybrid(0.0, 2), 0).composition.vdep_items, 0u);
}

TEST(EpochOrderTest, EveryMicroBatchHoldsBothModesInTheRatio) {
  // 12 LLaVA + 5 VDEP: 4 consecutive items hold 4 x 5 / 17 = 1.18 VDEP ones, so 1 or 2.
  const EpochOrder small = make_epoch_order(12, lengths(10, 2), hybrid(0.5, 4), 3);
  for (std::size_t start = 0; start + 4 <= small.items.size(); start += 4) {
    const std::vector<EpochItem> batch(small.items.begin() + start, small.items.begin() + start + 4);
    const std::size_t vdep = count_mode(batch, SampleMode::Vdep);
    EXPECT_TRUE(vdep == 1 || vdep == 2) << "micro-batch at " << start << " has " << vdep;
  }
  // 100 LLaVA + 80 VDEP in micro-batches of 8: 8 x 80 / 180 = 3.56, so 3 or 4 VDEP in each.
  const EpochOrder large = make_epoch_order(100, lengths(100, 0), hybrid(0.8, 8), 1);
  ASSERT_EQ(large.items.size(), 180u);
  for (std::size_t start = 0; start + 8 <= large.items.size(); start += 8) {
    const std::vector<EpochItem> batch(large.items.begin() + start, large.items.begin() + start + 8);
    const std::size_t vdep = count_mode(batch, SampleMode::Vdep);
    EXPECT_TRUE(vdep == 3 || vdep == 4) << "micro-batch at " << start << " has " << vdep;
  }
}

TEST(EpochOrderTest, SameSeedAndEpochGiveTheSameOrderAndOthersAnother) {
  const auto order = [](std::uint64_t seed, std::uint64_t epoch) {
    EpochOrderSettings settings = hybrid(0.5, 4);
    settings.seed = seed;
    return make_epoch_order(40, lengths(30, 10), settings, epoch).items;
  };
  EXPECT_EQ(order(7, 2), order(7, 2));
  EXPECT_NE(order(7, 2), order(7, 3));
  EXPECT_NE(order(7, 2), order(8, 2));
}

TEST(EpochOrderTest, WithoutShuffleTheExamplesComeInIndexOrder) {
  EpochOrderSettings settings;
  settings.shuffle = false;
  const EpochOrder order = make_epoch_order(5, {}, settings, 4);
  EXPECT_EQ(order.items, (std::vector<EpochItem>{{0, SampleMode::Llava},
                                                 {1, SampleMode::Llava},
                                                 {2, SampleMode::Llava},
                                                 {3, SampleMode::Llava},
                                                 {4, SampleMode::Llava}}));
}

std::vector<EpochItem> rank_items(std::size_t examples, EpochOrderSettings settings, std::size_t rank) {
  settings.rank = rank;
  settings.world_size = 2;
  return make_epoch_order(examples, lengths(examples, 0), settings, 5).items;
}

TEST(EpochOrderTest, TwoRanksGetDisjointEqualSharesOfTheSameEpoch) {
  for (const std::size_t micro_batch : {1, 2, 3, 4}) {
    const EpochOrderSettings settings = hybrid(0.5, micro_batch);
    const std::vector<EpochItem> rank0 = rank_items(12, settings, 0);
    const std::vector<EpochItem> rank1 = rank_items(12, settings, 1);
    EXPECT_EQ(rank0.size(), 9u) << micro_batch;  // (12 + 6) / 2
    EXPECT_EQ(rank1.size(), 9u) << micro_batch;
    std::multiset<std::pair<std::size_t, SampleMode>> both;
    for (const auto* items : {&rank0, &rank1}) {
      for (const EpochItem& item : *items) both.insert({item.example, item.mode});
    }
    std::multiset<std::pair<std::size_t, SampleMode>> whole;
    for (const EpochItem& item : make_epoch_order(12, lengths(12, 0), settings, 5).items) {
      whole.insert({item.example, item.mode});
    }
    EXPECT_EQ(both, whole) << "disjoint, and together the whole epoch, with micro-batches of " << micro_batch;
  }
}

TEST(EpochOrderTest, AnOddEpochIsEvenedOutByRepeatingItsStart) {
  EpochOrderSettings settings;
  settings.micro_batch_size = 2;
  settings.shuffle = false;
  // 0..6 and then 0 again; micro-batches {0,1} {2,3} {4,5} {6,0}: rank 0 takes the first and third,
  // rank 1 the second and fourth.
  const auto examples = [](const std::vector<EpochItem>& items) {
    std::vector<std::size_t> result;
    for (const EpochItem& item : items) result.push_back(item.example);
    return result;
  };
  EXPECT_EQ(examples(rank_items(7, settings, 0)), (std::vector<std::size_t>{0, 1, 4, 5}));
  EXPECT_EQ(examples(rank_items(7, settings, 1)), (std::vector<std::size_t>{2, 3, 6, 0}));
  settings.rank = 1;
  settings.world_size = 2;
  EXPECT_EQ(make_epoch_order(7, {}, settings, 0).composition.repeated_items, 1u);
  // 5 items, micro-batches of 2, two ranks: padded to 6, one full round {0,1} {2,3}, then {4} and {0}.
  EXPECT_EQ(examples(rank_items(5, settings, 0)), (std::vector<std::size_t>{0, 1, 4}));
  EXPECT_EQ(examples(rank_items(5, settings, 1)), (std::vector<std::size_t>{2, 3, 0}));
}

TEST(EpochOrderTest, RefusesWhatItCannotHonour) {
  EXPECT_THROW(make_epoch_order(4, lengths(4, 0), hybrid(1.5, 2), 0), std::invalid_argument);
  EXPECT_THROW(make_epoch_order(4, lengths(4, 0), hybrid(-0.1, 2), 0), std::invalid_argument);
  EXPECT_THROW(make_epoch_order(4, {}, hybrid(0.5, 2), 0), std::invalid_argument) << "no modality lengths";
  EpochOrderSettings grouped = hybrid(0.5, 2);
  grouped.group_by_modality_length = true;
  try {
    make_epoch_order(4, lengths(4, 0), grouped, 0);
    FAIL() << "no error";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("undo the mix"), std::string::npos) << error.what();
  }
  EpochOrderSettings bad_rank;
  bad_rank.rank = 2;
  bad_rank.world_size = 2;
  EXPECT_THROW(make_epoch_order(4, {}, bad_rank, 0), std::invalid_argument);
}

// --- group_by_modality_length ---

// 9 multimodal examples (lengths 10..90 by tens, index i has 10 (i + 1)) and 6 language-only
// (lengths -1..-6); micro-batches of 2, two ranks: megabatches of 4.
std::vector<std::int64_t> mixed_lengths() {
  std::vector<std::int64_t> result;
  for (int i = 0; i < 9; ++i) result.push_back(10 * (i + 1));
  for (int i = 0; i < 6; ++i) result.push_back(-(i + 1));
  return result;
}

EpochOrderSettings grouped(std::uint64_t seed) {
  EpochOrderSettings settings;
  settings.micro_batch_size = 2;
  settings.world_size = 2;
  settings.group_by_modality_length = true;
  settings.seed = seed;
  return settings;
}

TEST(EpochOrderTest, GroupedMegabatchesHoldOneModalityLongestAndShortestTogether) {
  const std::vector<std::int64_t> length = mixed_lengths();
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    std::vector<std::vector<EpochItem>> ranks;
    for (std::size_t rank = 0; rank < 2; ++rank) {
      EpochOrderSettings settings = grouped(seed);
      settings.rank = rank;
      ranks.push_back(make_epoch_order(15, length, settings, 0).items);
    }
    // 9 multimodal = 2 full megabatches + 1; 6 language-only = 1 full + 2: 3 full megabatches of 4
    // (12 items), then the 3 left over, sorted by index, and 1 repeated: 16 items, 8 per rank.
    ASSERT_EQ(ranks[0].size(), 8u);
    ASSERT_EQ(ranks[1].size(), 8u);
    std::multiset<std::size_t> all;
    for (const auto& items : ranks) {
      for (const EpochItem& item : items) all.insert(item.example);
    }
    for (std::size_t i = 0; i < 15; ++i) EXPECT_GE(all.count(i), 1u) << "example " << i;

    for (std::size_t megabatch = 0; megabatch < 3; ++megabatch) {
      // Rank r's micro-batch `megabatch` is chunk r of the megabatch. LLaVA's split_to_even_chunks
      // over lengths a > b > c > d gives a and d to chunk 0 (a first, then d to the lighter chunk
      // after c went to b's), b and c to chunk 1.
      const EpochItem* chunk0 = &ranks[0][2 * megabatch];
      const EpochItem* chunk1 = &ranks[1][2 * megabatch];
      std::vector<std::int64_t> members = {length[chunk0[0].example], length[chunk0[1].example],
                                           length[chunk1[0].example], length[chunk1[1].example]};
      const bool multimodal = members[0] > 0;
      for (const std::int64_t l : members) EXPECT_EQ(l > 0, multimodal) << "one modality per megabatch";
      std::vector<std::int64_t> sorted = members;
      for (std::int64_t& l : sorted) l = std::abs(l);
      std::sort(sorted.rbegin(), sorted.rend());
      EXPECT_EQ(std::abs(members[0]), sorted[0]);
      EXPECT_EQ(std::abs(members[1]), sorted[3]);
      EXPECT_EQ(std::abs(members[2]), sorted[1]);
      EXPECT_EQ(std::abs(members[3]), sorted[2]);
    }
    // The leftovers: 1 multimodal and 2 language-only examples, in index order, then example one
    // repeated from the start: ranks' last micro-batches are {l0, l1} and {l2, repeat}.
    const std::vector<std::size_t> tail = {ranks[0][6].example, ranks[0][7].example, ranks[1][6].example};
    EXPECT_TRUE(std::is_sorted(tail.begin(), tail.end()));
    EXPECT_EQ(std::count_if(tail.begin(), tail.end(), [&](std::size_t i) { return length[i] > 0; }), 1);
    EXPECT_EQ(ranks[1][7].example, ranks[0][0].example);
  }
}

TEST(EpochOrderTest, GroupingNeedsShuffle) {
  EpochOrderSettings settings = grouped(0);
  settings.shuffle = false;
  EXPECT_THROW(make_epoch_order(15, mixed_lengths(), settings, 0), std::invalid_argument);
}

}  // namespace
}  // namespace vdep
