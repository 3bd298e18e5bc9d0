// LengthSpec (harness/config/length_spec.hpp): the forms a suite uses to pick lengths.
#include <gtest/gtest.h>

#include "common/errors.hpp"
#include "harness/config/length_spec.hpp"

using namespace pebench;

namespace {

std::vector<int> lengths_of(const json& value, const std::vector<int>& task_lengths = {1, 2, 3, 4, 5, 6, 7, 8, 9}) {
  return resolve_lengths(parse_length_spec(value, "suite t.json", "eval.lengths.ood"), task_lengths);
}

TEST(LengthSpec, DefaultIsTheTasksOwnLengthsSortedAndUnique) {
  EXPECT_EQ(lengths_of("default", {5, 3, 3, 9}), (std::vector<int>{3, 5, 9}));
}

TEST(LengthSpec, ListIsTakenAsIsSortedAndUnique) {
  EXPECT_EQ(lengths_of(json::array({100, 41, 60, 41})), (std::vector<int>{41, 60, 100}));
}

TEST(LengthSpec, RangeIncludesBothEnds) {
  EXPECT_EQ(lengths_of({{"from", 41}, {"to", 45}}), (std::vector<int>{41, 42, 43, 44, 45}));
}

TEST(LengthSpec, RangeWithStepStridesFromTheStart) {
  EXPECT_EQ(lengths_of({{"from", 41}, {"to", 60}, {"step", 5}}), (std::vector<int>{41, 46, 51, 56}));
}

TEST(LengthSpec, RangeWithCountIsEvenlySpacedWithBothEnds) {
  EXPECT_EQ(lengths_of({{"from", 41}, {"to", 500}, {"count", 3}}), (std::vector<int>{41, 271, 500}));
}

TEST(LengthSpec, CountAlonePicksFromTheTasksLengths) {
  EXPECT_EQ(lengths_of({{"count", 3}}, {10, 20, 30, 40, 50}), (std::vector<int>{10, 30, 50}));
  EXPECT_EQ(lengths_of({{"count", 9}}, {10, 20}), (std::vector<int>{10, 20}));
}

TEST(LengthSpec, ToJsonRoundTrips) {
  for (const json& form : {json("default"), json::array({3, 7}), json({{"from", 2}, {"to", 9}, {"step", 3}}),
                           json({{"from", 2}, {"to", 9}, {"count", 3}}), json({{"count", 4}})}) {
    const LengthSpec spec = parse_length_spec(form, "o", "p");
    EXPECT_EQ(spec.to_json(), form);
  }
}

TEST(LengthSpec, MalformedFormsAreUsageErrors) {
  for (const json& bad : {json("all"), json(5), json::array(), json::array({1, -2}), json({{"from", 3}}),
                          json({{"to", 3}}), json({{"from", 5}, {"to", 1}}), json({{"step", 2}, {"count", 1}}),
                          json({{"from", 1}, {"to", 5}, {"step", 2}, {"count", 2}}), json({{"frm", 1}}),
                          json({{"count", 0}})})
    EXPECT_THROW(parse_length_spec(bad, "suite t.json", "train.lengths"), UsageError) << bad.dump();
}

}  // namespace
