// t5: bucket vectors from docs/encodings.md#t5 (causal and bidirectional,
// boundaries included), the bias read from the table with gpt-neox's sqrt(d_h)
// factor, option validation, and hook-level gradient checks.
#include <gtest/gtest.h>

#include <cmath>
#include <utility>
#include <vector>

#include "common/errors.hpp"
#include "encoding_hooks.hpp"
#include "models/encodings/support/t5_table.hpp"

using namespace pebench;
using pebench::testing::HookHarness;
using pebench::testing::HookShape;

TEST(T5Buckets, CausalVectorsFromTheSpec) {
  const std::vector<std::pair<int, int>> distance_to_bucket = {
      {0, 0},   {1, 1},   {15, 15}, {16, 16}, {17, 16}, {20, 17},  {23, 18},  {24, 19},
      {31, 21}, {32, 21}, {45, 23}, {64, 26}, {90, 29}, {127, 31}, {128, 31}, {1000, 31}};
  for (auto [n, bucket] : distance_to_bucket)
    EXPECT_EQ(t5_bucket(-n, false, 32, 128), bucket) << "distance " << n;
}

TEST(T5Buckets, BidirectionalVectorsFromTheSpec) {
  const std::vector<std::pair<int, int>> relative_to_bucket = {
      {-1000, 15}, {-128, 15}, {-64, 14}, {-16, 10}, {-8, 8},   {-7, 7},   {-1, 1},  {0, 0},
      {1, 17},     {7, 23},    {8, 24},   {16, 26},  {64, 30},  {128, 31}, {1000, 31}};
  for (auto [rel, bucket] : relative_to_bucket)
    EXPECT_EQ(t5_bucket(rel, true, 32, 128), bucket) << "j - i = " << rel;
}

// log(n/8)/log(16)·8 is an exact integer at n = 16, 32, 64: a float rounding
// below it would drop these keys one bucket.
TEST(T5Buckets, ExactLogBoundariesLandOnTheirBucket) {
  EXPECT_EQ(t5_bucket(32, true, 32, 128), 28);
  EXPECT_EQ(t5_bucket(-32, true, 32, 128), 12);
  EXPECT_EQ(t5_bucket(-16, false, 32, 128), 16);
}

TEST(T5Buckets, FutureKeysFallInBucketZeroWhenCausal) {
  EXPECT_EQ(t5_bucket(5, false, 32, 128), 0);
}

TEST(T5Bias, BiasIsSqrtDHeadTimesTheBucketWeight) {
  HookShape shape{1, 2, 4, 1, 40};
  for (bool causal : {true, false}) {
    HookHarness h("t5", nullptr, shape, causal);
    std::fill(h.q().begin(), h.q().end(), 0.0);  // raw logits 0: the output is the bias
    const std::vector<double> bias = h.logits(0);
    for (int a = 0; a < 2; ++a)
      for (auto [i, j] : std::vector<std::pair<int, int>>{{0, 0}, {39, 0}, {30, 10}, {5, 4}, {4, 5}, {0, 39}}) {
        if (causal && j > i) continue;
        const int bucket = t5_bucket(j - i, !causal, 32, 128);
        EXPECT_DOUBLE_EQ(bias[h.at(0, a, i, j)], 2.0 * h.param("encoding.t5.weight", bucket * 2 + a))
            << "causal " << causal << " head " << a << " (" << i << "," << j << ")";
      }
  }
}

TEST(T5Bias, OneTableSharedByEveryLayer) {
  HookHarness h("t5", nullptr, HookShape{1, 2, 4, 3, 6}, true);
  EXPECT_EQ(h.layout().tensors().size(), 1u);
  EXPECT_EQ(h.layout().total_size(), 32u * 2u);
  EXPECT_EQ(h.logits(0), h.logits(2));
}

TEST(T5Bias, OptionsDefaultToThePaperAndAreRecorded) {
  auto t5 = make_encoding<float>("t5");
  EXPECT_EQ(t5->options(), (json{{"num_buckets", 32}, {"max_distance", 128}}));
  auto custom = make_encoding<float>("t5", json{{"num_buckets", 16}, {"max_distance", 64}});
  EXPECT_EQ(custom->options(), (json{{"num_buckets", 16}, {"max_distance", 64}}));
}

TEST(T5Bias, BadOptionsAreUsageErrorsNamingKeyAndValue) {
  auto message = [](const json& options) {
    try {
      make_encoding<float>("t5", options);
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message(json{{"num_buckets", 31}}),
            "encoding 't5': options.num_buckets: must be an even integer (T5 halves it per side), got 31");
  EXPECT_EQ(message(json{{"num_buckets", 2}}),
            "encoding 't5': options.num_buckets: must be an integer in [4, 4096], got 2");
  EXPECT_EQ(message(json{{"max_distance", 16}}),
            "encoding 't5': options.max_distance: must be an integer in [17, 16777216], got 16");
  EXPECT_EQ(message(json{{"max_distance", "far"}}),
            "encoding 't5': options.max_distance: must be an integer in [17, 16777216], got 'far'");
  EXPECT_EQ(message(json{{"buckets", 8}}), "encoding 't5': options.buckets: unknown key (closest: num_buckets)");
  EXPECT_EQ(message(json::array()), "encoding 't5': options: must be a JSON object, got an array");
}

TEST(T5Bias, GradientsMatchFiniteDifferencesCausal) {
  // T = 24 > max_exact so log buckets (several offsets per bucket) are exercised.
  HookHarness h("t5", json{{"num_buckets", 8}, {"max_distance", 16}}, HookShape{2, 2, 4, 2, 24}, true);
  h.check_gradients();
}

TEST(T5Bias, GradientsMatchFiniteDifferencesBidirectional) {
  HookHarness h("t5", json{{"num_buckets", 8}, {"max_distance", 16}}, HookShape{2, 2, 4, 2, 24}, false);
  h.check_gradients();
}
