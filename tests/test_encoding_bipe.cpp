// bipe_rope and bipe_alibi: segmentation (the spec's worked example), the
// intra-segment table, RoPE and ALiBi on segment ids, hook gradients, options.
#include <gtest/gtest.h>

#include <cmath>

#include "common/errors.hpp"
#include "encoding_hooks.hpp"
#include "models/encodings/support/bipe.hpp"
#include "models/encodings/support/position_math.hpp"

using namespace pebench;
using namespace pebench::testing;

namespace {

// Two examples of length 9: the spec's worked example (ids
// [5,7,869,9,10,13,13,4,869], boundaries at 869 and 13) and one with none.
const std::vector<uint8_t> kBoundaries = {0, 0, 1, 0, 0, 1, 1, 0, 1,  //
                                          0, 0, 0, 0, 0, 0, 0, 0, 0};

HookHarness bipe_fixture(const std::string& name, const json& options, bool causal) {
  HookHarness f(name, options, HookShape{2, 2, 4, 2, 9}, causal, kSingleHookSeed);
  f.set_boundary(kBoundaries);
  return f;
}

}  // namespace

TEST(BipeSegments, WorkedExampleFromTheSpec) {
  std::vector<int> segment(18), intra(18);
  bipe_segment_ids(segment.data(), intra.data(), kBoundaries.data(), 2, 9, 1023);
  EXPECT_EQ(std::vector<int>(intra.begin(), intra.begin() + 9), (std::vector<int>{0, 1, 2, 0, 1, 2, 0, 0, 1}));
  EXPECT_EQ(std::vector<int>(segment.begin(), segment.begin() + 9), (std::vector<int>{0, 0, 0, 1, 1, 1, 2, 3, 3}));
  EXPECT_EQ(std::vector<int>(intra.begin() + 9, intra.end()), (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(std::vector<int>(segment.begin() + 9, segment.end()), std::vector<int>(9, 0));
}

TEST(BipeSegments, IntraPositionsClampToTheLastTableRow) {
  const std::vector<uint8_t> boundary = {0, 0, 0, 0, 0, 1, 0, 0};
  std::vector<int> segment(8), intra(8);
  bipe_segment_ids(segment.data(), intra.data(), boundary.data(), 1, 8, 3);
  EXPECT_EQ(intra, (std::vector<int>{0, 1, 2, 3, 3, 3, 0, 1}));
  EXPECT_EQ(segment, (std::vector<int>{0, 0, 0, 0, 0, 0, 1, 1}));
}

TEST(BipeSegments, NoBoundaryBufferMeansOneSegment) {
  std::vector<int> segment(4), intra(4);
  bipe_segment_ids(segment.data(), intra.data(), nullptr, 1, 4, 1023);
  EXPECT_EQ(segment, std::vector<int>(4, 0));
  EXPECT_EQ(intra, (std::vector<int>{0, 1, 2, 3}));
}

TEST(Bipe, InputAddsTheTableRowOfEachIntraSegmentPosition) {
  for (const char* name : {"bipe_rope", "bipe_alibi"}) {
    HookHarness f = bipe_fixture(name, json(), true);
    const auto& table = f.layout().find(std::string("encoding.") + name + ".table");
    EXPECT_EQ(table.shape, (std::vector<int>{1024, 8})) << name;
    std::vector<double> x(f.x_size(), 0.0);
    f.encoding().begin_forward(f.context());
    f.encoding().input_forward(x.data(), f.context());
    const std::vector<int> intra = {0, 1, 2, 0, 1, 2, 0, 0, 1, 0, 1, 2, 3, 4, 5, 6, 7, 8};
    for (int n = 0; n < 18; ++n)
      for (int c = 0; c < 8; ++c)
        EXPECT_EQ(x[n * 8 + c], f.params()[table.offset + intra[n] * 8 + c]) << name << " token " << n;
  }
}

TEST(Bipe, InputHookGradientsMatchFiniteDifferences) {
  for (const char* name : {"bipe_rope", "bipe_alibi"}) {
    SCOPED_TRACE(name);
    HookHarness f = bipe_fixture(name, json{{"table_size", 4}}, false);
    f.check_input_hook();
  }
}

TEST(BipeRope, RotatesQAndKByTheirSegmentIndex) {
  HookHarness f = bipe_fixture("bipe_rope", json(), true);
  Rng rng(3);
  auto q = random_vector(f.qk_size(), rng), k = random_vector(f.qk_size(), rng);
  auto q_expected = q, k_expected = k;
  const std::vector<double> segments = {0, 0, 0, 1, 1, 1, 2, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  rope_apply(q_expected.data(), segments.data(), true, 2, 2, 9, 4, +1);
  rope_apply(k_expected.data(), segments.data(), true, 2, 2, 9, 4, +1);
  f.encoding().begin_forward(f.context());
  f.encoding().qk_forward(q.data(), k.data(), 0, f.context());
  for (size_t e = 0; e < q.size(); ++e) {
    EXPECT_NEAR(q[e], q_expected[e], 1e-12);
    EXPECT_NEAR(k[e], k_expected[e], 1e-12);
  }
  // The second example is one segment: its q and k are not rotated at all.
  const size_t second = f.qk_size() / 2;
  for (size_t e = second; e < q.size(); ++e) EXPECT_DOUBLE_EQ(q[e], q_expected[e]);
}

TEST(BipeRope, QkHookGradientsMatchFiniteDifferences) {
  HookHarness f = bipe_fixture("bipe_rope", json(), false);
  f.check_qk_hook(1);
}

TEST(BipeAlibi, CausalBiasIsScaledSlopeTimesSegmentDistance) {
  HookHarness f = bipe_fixture("bipe_alibi", json(), true);
  std::vector<double> s(f.logits_size(), 0.0), q(f.qk_size(), 0.0), k(f.qk_size(), 0.0);
  f.encoding().begin_forward(f.context());
  f.encoding().logits_forward(s.data(), q.data(), k.data(), 1, f.context());
  const std::vector<int> seg = {0, 0, 0, 1, 1, 1, 2, 3, 3};
  const auto slopes = alibi_slopes(2);
  for (int a = 0; a < 2; ++a)
    for (int i = 0; i < 9; ++i)
      for (int j = 0; j <= i; ++j) {
        EXPECT_NEAR(s[(a * 9 + i) * 9 + j], -96.0 * slopes[a] * (seg[i] - seg[j]), 1e-12);
        EXPECT_EQ(s[((2 + a) * 9 + i) * 9 + j], 0.0) << "one segment: no bias";
      }
}

TEST(BipeAlibi, SymmetricBidirectionalBiasIsSymmetricInSegmentDistance) {
  HookHarness f = bipe_fixture("bipe_alibi", json{{"slope_multiplier", 2.0}, {"bidirectional", "symmetric"}}, false);
  std::vector<double> s(f.logits_size(), 0.0), q(f.qk_size(), 0.0), k(f.qk_size(), 0.0);
  f.encoding().begin_forward(f.context());
  f.encoding().logits_forward(s.data(), q.data(), k.data(), 0, f.context());
  const std::vector<int> seg = {0, 0, 0, 1, 1, 1, 2, 3, 3};
  const auto slopes = alibi_slopes(2);
  for (int a = 0; a < 2; ++a)
    for (int i = 0; i < 9; ++i)
      for (int j = 0; j < 9; ++j)
        EXPECT_NEAR(s[(a * 9 + i) * 9 + j], -2.0 * slopes[a] * std::abs(seg[i] - seg[j]), 1e-12);
}

// Directional (default): the CHE reference's bidirectional ALiBi offset on
// segment distances, +½·μ·m_a where the key's segment is left of the query's.
TEST(BipeAlibi, DirectionalBidirectionalBiasTellsLeftSegmentsFromRightOnes) {
  HookHarness f = bipe_fixture("bipe_alibi", json{{"slope_multiplier", 2.0}}, false);
  std::vector<double> s(f.logits_size(), 0.0), q(f.qk_size(), 0.0), k(f.qk_size(), 0.0);
  f.encoding().begin_forward(f.context());
  f.encoding().logits_forward(s.data(), q.data(), k.data(), 0, f.context());
  const std::vector<int> seg = {0, 0, 0, 1, 1, 1, 2, 3, 3};
  const auto slopes = alibi_slopes(2);
  for (int a = 0; a < 2; ++a)
    for (int i = 0; i < 9; ++i)
      for (int j = 0; j < 9; ++j) {
        const double distance = std::abs(seg[i] - seg[j]) - (seg[j] < seg[i] ? 0.5 : 0.0);
        EXPECT_NEAR(s[(a * 9 + i) * 9 + j], -2.0 * slopes[a] * distance, 1e-12) << a << ":" << i << "," << j;
      }
  EXPECT_NE(s[4 * 9 + 0], s[4 * 9 + 6]);  // query in segment 1: segment 0 vs segment 2
  EXPECT_EQ(s[4 * 9 + 3], 0.0);           // same segment
}

TEST(BipeAlibi, LogitsHookPassesGradientsThroughUnchanged) {
  HookHarness f = bipe_fixture("bipe_alibi", json(), false);
  f.check_logits_hook(0);
}

TEST(Bipe, ReportAndValidateTheirOptions) {
  EXPECT_EQ(make_encoding<float>("bipe_rope")->options(), (json{{"table_size", 1024}}));
  EXPECT_EQ(make_encoding<float>("bipe_alibi")->options(),
            (json{{"table_size", 1024}, {"slope_multiplier", 96.0}, {"bidirectional", "directional"}}));
  EXPECT_THROW(make_encoding<float>("bipe_alibi", json{{"bidirectional", "left"}}), UsageError);
  EXPECT_THROW(make_encoding<float>("bipe_rope", json{{"bidirectional", "symmetric"}}), UsageError);
  EXPECT_EQ(make_encoding<float>("bipe_rope", json{{"table_size", 64}})->options()["table_size"], 64);
  EXPECT_THROW(make_encoding<float>("bipe_rope", json{{"table_size", 0}}), UsageError);
  EXPECT_THROW(make_encoding<float>("bipe_rope", json{{"slope_multiplier", 96}}), UsageError);
  EXPECT_THROW(make_encoding<float>("bipe_alibi", json{{"slope_multiplier", -1}}), UsageError);
  EXPECT_THROW(make_encoding<float>("bipe_alibi", json{{"slope_multiplier", "96"}}), UsageError);
}

// Without boundary tokens every token is in segment 0 and BiPE would be
// `learned` under another name: such a task is refused with a reason.
TEST(Bipe, AppliesOnlyToTasksWithSegmentBoundaries) {
  for (const char* name : {"bipe_rope", "bipe_alibi"}) {
    const auto encoding = make_encoding<float>(name);
    const Applicability reverse = encoding->applicable(*make_task("reverse_string"));
    EXPECT_FALSE(reverse.applicable) << name;
    EXPECT_NE(reverse.reason.find("reverse_string"), std::string::npos) << reverse.reason;
    EXPECT_NE(reverse.reason.find("segment"), std::string::npos) << reverse.reason;
    for (const char* task : {"flip_flop", "counting", "selective_copy", "binary_addition", "binary_multiplication",
                             "solve_equation"})
      EXPECT_TRUE(encoding->applicable(*make_task(task)).applicable) << name << " on " << task;
  }
}

TEST(Bipe, ApplicabilityFollowsTheTasksDeclaredBoundaries) {
  const auto encoding = make_encoding<float>("bipe_rope");
  for (const auto& task_name : task_registry().names()) {
    const auto task = make_task(task_name);
    EXPECT_EQ(encoding->applicable(*task).applicable, !task->segment_boundaries().empty()) << task_name;
  }
}

TEST(Encoding, EveryOtherEncodingAppliesToEveryTask) {
  for (const auto& encoding_name : encoding_registry().names()) {
    if (encoding_name.rfind("bipe_", 0) == 0) continue;
    const auto encoding = make_encoding<float>(encoding_name);
    for (const auto& task_name : task_registry().names())
      EXPECT_TRUE(encoding->applicable(*make_task(task_name)).applicable) << encoding_name << " on " << task_name;
  }
}
