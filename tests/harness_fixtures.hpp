// Fixtures for the harness tests: a tiny task and an encoding that can be
// made to diverge, registered by the test binary itself (tests/harness_fixtures.cpp), so the
// harness is tested independently of the real task and encoding plugins, and
// fast. Helpers write suite files and read result files.
//
//   harness_probe        family "regular", bidirectional; input: N random bits
//                        then "_"; target at "_": the first bit. Splits: train
//                        (1..8), id (1..8), ood (9..16), ood_far (20, 30).
//                        sequence_length(N) = N + 1. Option "bias" in [0, 1]:
//                        probability of a 1 bit (default 0.5).
//   harness_causal_probe the same task with causal attention.
//   harness_poison       NoPE; with option {"poison_after": k} the k-th and
//                        later forward passes produce NaN (forced divergence).
#pragma once
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace pebench::testing {

using json = nlohmann::json;

// A minimal valid suite over the probe task and nope; tests edit it.
json probe_suite();

// Writes `suite` to dir/name and returns the path.
std::filesystem::path write_suite(const std::filesystem::path& dir, const std::string& name, const json& suite);

json read_json(const std::filesystem::path& path);

}  // namespace pebench::testing
