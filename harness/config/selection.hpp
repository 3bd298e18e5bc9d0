// Parsers for the grid-selection syntax shared by the CLI flags and suites:
//   names   "parity_check,flip_flop"   (comma list, no empty items)
//   seeds   "0-2", "1,3", "0-2,7"      (ranges inclusive; sorted, duplicates removed;
//                                       at most kMaxSeeds in all)
//   shard   "2/3"                      (shard I of N, 1 <= I <= N)
// Every malformed value is a UsageError of one line naming `what` (the flag
// or field it came from).
#pragma once
#include <string>
#include <vector>

namespace pebench {

// The most seeds one run may ask for (a typo like 0-99999 must not build
// millions of cells in memory).
constexpr long long kMaxSeeds = 10000;

std::vector<std::string> parse_name_list(const std::string& text, const std::string& what);
std::vector<int> parse_seed_list(const std::string& text, const std::string& what);

struct Shard {
  int index = 1;  // 1-based
  int count = 1;
};
Shard parse_shard(const std::string& text, const std::string& what);

}  // namespace pebench
