// Registries: closest-name suggestions and unknown-name errors.
#include <gtest/gtest.h>

#include "common/errors.hpp"
#include "common/registry.hpp"
#include "models/encoding.hpp"

using namespace pebench;

TEST(Registry, EditDistanceCountsInsertionsDeletionsAndSubstitutions) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("rope", "rope"), 0u);
  EXPECT_EQ(edit_distance("rope", "ropes"), 1u);
  EXPECT_EQ(edit_distance("alibi", "alibo"), 1u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(Registry, UnknownNameSuggestsTheClosestNames) {
  const std::string message =
      unknown_name_message("task", "revers_string", {"reverse_string", "parity_check", "odds_first"});
  EXPECT_EQ(message, "unknown task 'revers_string' (closest: reverse_string, odds_first, parity_check)");
}

// A suite's labels and the registered names can coincide ("rope" twice).
TEST(Registry, SuggestionsNameEachCandidateOnce) {
  EXPECT_EQ(closest_names("ropee", {"rope", "cope", "rope", "alibi"}),
            (std::vector<std::string>{"rope", "cope", "alibi"}));
}

TEST(Registry, NearestNamesAreTheNamesTiedAtTheSmallestDistance) {
  EXPECT_EQ(nearest_names("stepz", {"eps", "steps", "lr"}), (std::vector<std::string>{"steps"}));
  EXPECT_EQ(nearest_names("rop", {"rope", "prop", "alibi"}), (std::vector<std::string>{"prop", "rope"}));
  EXPECT_EQ(nearest_names("x", {}), (std::vector<std::string>{}));
}

TEST(Registry, UnknownEncodingThrowsUsageErrorNamingIt) {
  try {
    make_encoding<float>("nopee");
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown encoding 'nopee' (closest: nope"), std::string::npos);
  }
}

TEST(Registry, EncodingRejectsUnknownOption) {
  EXPECT_THROW(make_encoding<double>("nope", json{{"npos", 3}}), UsageError);
}
