// The options an encoding records (encoding.params in result files) configure
// an identical encoding again, so a result file alone reproduces it; values
// set away from their defaults survive the round trip.
#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "models/encoding.hpp"

using namespace pebench;

using Case = std::pair<std::string, json>;  // encoding, options it is built with
class RecordedOptions : public ::testing::TestWithParam<Case> {};

TEST_P(RecordedOptions, ReconfigureTheSameEncoding) {
  const auto& [name, options] = GetParam();
  const json recorded = make_encoding<float>(name, options)->options();
  ASSERT_TRUE(recorded.is_object());
  for (const auto& [key, value] : options.items()) EXPECT_EQ(recorded.at(key), value) << name << " " << key;
  EXPECT_EQ(make_encoding<double>(name, recorded)->options(), recorded);
}

// Numeric options (sizes, widths, thresholds) set away from their defaults.
INSTANTIATE_TEST_SUITE_P(
    NumericOptions, RecordedOptions,
    ::testing::Values(Case{"t5", {{"num_buckets", 16}, {"max_distance", 64}}}, Case{"kerple_log", json::object()},
                      Case{"kerple_power", json::object()},
                      Case{"fire", {{"mlp_width", 8}, {"L0", 40.5}, {"init_c", 0.2}, {"eps", 1e-5}}},
                      Case{"mep", json::object()}, Case{"mep_param", {{"num_buckets", 8}, {"max_distance", 20}}},
                      Case{"dape_alibi", {{"mlp_width", 16}}}, Case{"dape_kerple", {{"mlp_width", 16}}},
                      Case{"dape_fire", {{"mlp_width", 16}, {"L0", 40}}}));

// Named choices: bidirectional forms, table inits, CoPE's npos from the model.
INSTANTIATE_TEST_SUITE_P(
    ChoiceOptions, RecordedOptions,
    ::testing::Values(Case{"kerple_log", {{"bidirectional", "symmetric"}}},
                      Case{"kerple_power", {{"bidirectional", "directional"}}},
                      Case{"mep", {{"bidirectional", "symmetric"}}},
                      Case{"mep_param", {{"bidirectional", "symmetric"}}},
                      Case{"dape_kerple", {{"bidirectional", "symmetric"}}},
                      Case{"bipe_alibi", {{"bidirectional", "symmetric"}}},
                      Case{"learned", {{"init", "normal_0.02"}}}, Case{"learned", json::object()},
                      Case{"rand_learned", {{"init", "normal_0.02"}}},
                      Case{"cope", {{"npos", 64}}}, Case{"cope", {{"npos", "max_seq_len"}}}));
