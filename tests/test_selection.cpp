// Grid-selection syntax (harness/config/selection.hpp): --tasks, --seeds, --shard.
#include <gtest/gtest.h>

#include "common/errors.hpp"
#include "harness/config/selection.hpp"

using namespace pebench;

namespace {

TEST(Selection, SeedRangesAreInclusive) { EXPECT_EQ(parse_seed_list("0-2", "--seeds"), (std::vector<int>{0, 1, 2})); }

TEST(Selection, SeedListsMixSinglesAndRangesSortedWithoutDuplicates) {
  EXPECT_EQ(parse_seed_list("7,1,3-4,3", "--seeds"), (std::vector<int>{1, 3, 4, 7}));
}

TEST(Selection, MalformedSeedListsAreUsageErrors) {
  for (const char* bad : {"", "a", "1,", "-1", "1-", "3-1", "1.5", "0-200000", "99999999999999"})
    EXPECT_THROW(parse_seed_list(bad, "--seeds"), UsageError) << bad;
}

TEST(Selection, NameListsSplitOnCommasAndDropRepeats) {
  EXPECT_EQ(parse_name_list("a,b,a", "--tasks"), (std::vector<std::string>{"a", "b"}));
}

TEST(Selection, NameListsRejectEmptyItems) {
  for (const char* bad : {"", "a,,b", ",a", "a,"}) EXPECT_THROW(parse_name_list(bad, "--tasks"), UsageError) << bad;
}

TEST(Selection, ShardParsesIndexAndCount) {
  const Shard shard = parse_shard("2/3", "--shard");
  EXPECT_EQ(shard.index, 2);
  EXPECT_EQ(shard.count, 3);
}

TEST(Selection, BadShardsAreUsageErrorsNamingTheFlag) {
  for (const char* bad : {"0/3", "4/3", "1/0", "3", "a/b", "1/", "/2", "1/2/3", "-1/2"}) {
    try {
      parse_shard(bad, "--shard");
      ADD_FAILURE() << bad;
    } catch (const UsageError& error) {
      EXPECT_EQ(std::string(error.what()).rfind("--shard: bad shard", 0), 0u) << error.what();
    }
  }
}

}  // namespace
