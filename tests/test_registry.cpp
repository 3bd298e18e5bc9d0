// Registries: closest-name suggestions, unknown-name errors and the metadata
// every encoding registers.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

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

// Every registration states its kind, its source and what it computes
// (models/encoding_info.hpp): the listing and the catalogue show them.
TEST(Registry, EveryEncodingHasAKindACitationAndASummary) {
  const auto kinds = encoding_kinds();
  for (const auto& name : encoding_registry().names()) {
    const EncodingInfo& info = encoding_registry().get(name).info;
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), info.kind), kinds.end()) << name;
    EXPECT_STRNE(to_string(info.kind), "unknown") << name;
    EXPECT_FALSE(info.citation.empty()) << name;
    EXPECT_FALSE(info.summary.empty()) << name;
    EXPECT_EQ(info.summary.find('\n'), std::string::npos) << name << ": the summary is one line";
  }
}

TEST(Registry, EncodingKindNamesAreDistinctWords) {
  std::set<std::string> names;
  for (EncodingKind kind : encoding_kinds()) {
    const std::string name = to_string(kind);
    EXPECT_EQ(name.find(' '), std::string::npos) << name;
    EXPECT_TRUE(names.insert(name).second) << name << " twice";
  }
}

TEST(Registry, EncodingsRecordTheirRegisteredMetadata) {
  const EncodingInfo& alibi = encoding_registry().get("alibi").info;
  EXPECT_EQ(alibi.kind, EncodingKind::additive_bias);
  EXPECT_EQ(alibi.citation, "Press et al. 2022 (ALiBi)");
  EXPECT_EQ(encoding_registry().get("rope").info.kind, EncodingKind::rotary);
  EXPECT_EQ(encoding_registry().get("rand_rope").info.kind, EncodingKind::randomized);
}
