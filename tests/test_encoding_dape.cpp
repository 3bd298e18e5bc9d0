// DAPE V1 (dape_alibi, dape_kerple, dape_fire): the fused kernel against the
// naive reference, zeroed MLP = base bias, cross-head mixing, no leak from
// masked entries, gradient checks into q, k, the MLP and the base bias's
// parameters, parameters and options (thread-count independence: the
// conformance suite, tests/test_encoding_conformance.cpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "common/errors.hpp"
#include "common/rng.hpp"
#include "encoding_hooks.hpp"
#include "small_fire.hpp"
#include "models/encodings/support/dape_mlp.hpp"
#include "models/encodings/support/position_math.hpp"
#include "models/layers.hpp"

using namespace pebench;
using pebench::testing::HookHarness;
using pebench::testing::HookShape;

namespace {

constexpr int kB = 2, kH = 3, kT = 13, kD = 4, kW = 5;

std::vector<double> random_vector(size_t n, Rng& rng) {
  std::vector<double> v(n);
  for (double& x : v) x = rng.normal();
  return v;
}

// Random weights, inputs and upstream gradients for the kernel-level tests.
struct KernelCase {
  Rng rng{7, "dape"};
  std::vector<double> w1 = random_vector(kW * 2 * kH, rng), b1 = random_vector(kW, rng),
                      w2 = random_vector(kH * kW, rng), b2 = random_vector(kH, rng);
  std::vector<double> q = random_vector(kB * kH * kT * kD, rng), k = random_vector(kB * kH * kT * kD, rng);
  std::vector<double> bias = random_vector(kH * kT * kT, rng);
  std::vector<double> dscores = random_vector(kB * kH * kT * kT, rng);
  DapeMlpTensors<double> weights() { return {w1.data(), b1.data(), w2.data(), b2.data()}; }
  std::vector<double> logits() const {
    std::vector<double> x(kB * kH * kT * kT);
    for (int ba = 0; ba < kB * kH; ++ba)
      for (int i = 0; i < kT; ++i)
        for (int j = 0; j < kT; ++j) {
          double dot = 0;
          for (int c = 0; c < kD; ++c) dot += q[(ba * kT + i) * kD + c] * k[(ba * kT + j) * kD + c];
          x[(ba * kT + i) * kT + j] = dot / 2.0;  // sqrt(d_h) = 2
        }
    return x;
  }
};

struct Gradients {
  std::vector<double> w1 = std::vector<double>(kW * 2 * kH), b1 = std::vector<double>(kW),
                      w2 = std::vector<double>(kH * kW), b2 = std::vector<double>(kH);
  std::vector<double> dbias = std::vector<double>(kH * kT * kT);
  DapeMlpTensors<double> tensors() { return {w1.data(), b1.data(), w2.data(), b2.data()}; }
};

void expect_near_on_kept(const std::vector<double>& a, const std::vector<double>& b, bool causal, int heads_times_batch) {
  for (int ba = 0; ba < heads_times_batch; ++ba)
    for (int i = 0; i < kT; ++i)
      for (int j = 0; j < (causal ? i + 1 : kT); ++j) {
        const size_t e = (static_cast<size_t>(ba) * kT + i) * kT + j;
        ASSERT_NEAR(a[e], b[e], 1e-12) << "slice " << ba << " (" << i << "," << j << ")";
      }
}

void expect_all_near(const std::vector<double>& a, const std::vector<double>& b, const char* what) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t e = 0; e < a.size(); ++e) ASSERT_NEAR(a[e], b[e], 1e-12) << what << "[" << e << "]";
}

void zero_dape_mlp(HookHarness& h) {
  for (const auto& tensor : h.layout().tensors()) {
    const std::string& name = tensor.name;
    const std::string suffix = name.substr(name.find_last_of('.') + 1);
    const bool mlp = name.rfind("encoding.dape.layer", 0) == 0 && std::count(name.begin(), name.end(), '.') == 3;
    if (mlp && (suffix == "w1" || suffix == "b1" || suffix == "w2" || suffix == "b2"))
      for (size_t e = 0; e < tensor.size; ++e) h.params()[tensor.offset + e] = 0.0;
  }
}

}  // namespace

class DapeKernel : public ::testing::TestWithParam<bool> {};

TEST_P(DapeKernel, FusedForwardMatchesTheReference) {
  const bool causal = GetParam();
  KernelCase c;
  std::vector<double> fused = c.logits(), reference = c.logits();
  dape_mlp_forward(fused.data(), c.bias.data(), c.weights(), kB, kH, kT, kW, causal);
  dape_mlp_forward_reference(reference.data(), c.bias.data(), c.weights(), kB, kH, kT, kW, causal);
  expect_near_on_kept(fused, reference, causal, kB * kH);
}

TEST_P(DapeKernel, FusedBackwardMatchesTheReference) {
  const bool causal = GetParam();
  KernelCase c;
  Gradients fused, reference;
  std::vector<double> dfused = c.dscores, dreference = c.dscores;
  const std::vector<double> logits = c.logits();
  dape_mlp_backward(dfused.data(), fused.dbias.data(), fused.tensors(), logits.data(), c.bias.data(),
                    c.weights(), kB, kH, kT, kW, causal);
  dape_mlp_backward_reference(dreference.data(), reference.dbias.data(), reference.tensors(), logits.data(),
                              c.bias.data(), c.weights(), kB, kH, kT, kW, causal);
  expect_near_on_kept(dfused, dreference, causal, kB * kH);
  expect_near_on_kept(fused.dbias, reference.dbias, causal, kH);
  expect_all_near(fused.w1, reference.w1, "w1");
  expect_all_near(fused.b1, reference.b1, "b1");
  expect_all_near(fused.w2, reference.w2, "w2");
  expect_all_near(fused.b2, reference.b2, "b2");
}

INSTANTIATE_TEST_SUITE_P(CausalAndBidirectional, DapeKernel, ::testing::Bool());

// A kernel case of any size, in T: every output of one forward and one
// backward pass, for comparing paths.
template <typename T>
struct SizedCase {
  int batch, heads, seq_len, width;
  bool causal;
  std::vector<T> w1, b1, w2, b2, bias, logits, dscores;
  SizedCase(int batch, int heads, int seq_len, int width, bool causal)
      : batch(batch), heads(heads), seq_len(seq_len), width(width), causal(causal) {
    Rng rng{11, "dape-sized"};
    auto fill = [&](size_t n) {
      std::vector<T> v(n);
      for (T& x : v) x = static_cast<T>(rng.normal());
      return v;
    };
    const size_t tt = static_cast<size_t>(seq_len) * seq_len;
    w1 = fill(2 * heads * width), b1 = fill(width), w2 = fill(heads * width), b2 = fill(heads);
    bias = fill(heads * tt), logits = fill(batch * heads * tt), dscores = fill(batch * heads * tt);
  }
  DapeMlpTensors<T> weights() { return {w1.data(), b1.data(), w2.data(), b2.data()}; }
  // S, then dx, dbias and the weight gradients, concatenated (kept entries of
  // S and dx only). With save_inputs, the backward reads x as the forward
  // saved it; otherwise it gathers x from `logits`.
  std::vector<T> run(bool save_inputs = false) {
    std::vector<T> s = logits, dx = dscores, dbias(bias.size());
    std::vector<T> g1(w1.size()), gb1(b1.size()), g2(w2.size()), gb2(b2.size());
    std::vector<T> saved(save_inputs ? dape_mlp_saved_inputs_size(batch, heads, seq_len, causal) : 0);
    T* saved_inputs = save_inputs ? saved.data() : nullptr;
    dape_mlp_forward(s.data(), bias.data(), weights(), batch, heads, seq_len, width, causal, saved_inputs);
    dape_mlp_backward(dx.data(), dbias.data(), DapeMlpTensors<T>{g1.data(), gb1.data(), g2.data(), gb2.data()},
                      save_inputs ? nullptr : logits.data(), bias.data(), weights(), batch, heads, seq_len, width,
                      causal, saved_inputs);
    std::vector<T> out;
    for (size_t e = 0; e < s.size(); ++e) {
      const int i = static_cast<int>(e / seq_len % seq_len), j = static_cast<int>(e % seq_len);
      if (!causal || j <= i) out.insert(out.end(), {s[e], dx[e]});
    }
    for (const auto* v : {&dbias, &g1, &gb1, &g2, &gb2}) out.insert(out.end(), v->begin(), v->end());
    return out;
  }
};

// Bit equality of two float vectors (so that -0 and +0 or two NaNs compare as what they are).
void expect_same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t e = 0; e < a.size(); ++e)
    ASSERT_EQ(std::memcmp(&a[e], &b[e], sizeof(float)), 0) << "output " << e << ": " << a[e] << " vs " << b[e];
}

// Causal and bidirectional: the outputs of the usual path against those with `allow(false)`, bit for bit.
template <typename Allow>
void expect_path_keeps_bits(int heads, int seq_len, int width, Allow allow) {
  for (const bool causal : {true, false}) {
    SizedCase<float> c(3, heads, seq_len, width, causal);
    const std::vector<float> usual = c.run();
    allow(false);
    const std::vector<float> other = c.run();
    allow(true);
    expect_same_bits(usual, other);
  }
}

class DapeHeadCounts : public ::testing::TestWithParam<int> {};

TEST_P(DapeHeadCounts, RegisterKernelsGiveTheOneColumnKernelsBits) {
  expect_path_keeps_bits(GetParam(), 19, 7, dape_mlp_allow_fixed_head_kernels);
}

TEST_P(DapeHeadCounts, Avx512BuildGivesTheDefaultBuildsBits) {
  attention_allow_avx512(true);
  if (!attention_uses_avx512()) GTEST_SKIP() << "this CPU has no AVX-512";
  expect_path_keeps_bits(GetParam(), 37, 32, attention_allow_avx512);
}

INSTANTIATE_TEST_SUITE_P(FixedAndOthers, DapeHeadCounts, ::testing::Values(1, 2, 3, 4, 8, 16));

TEST(DapeKernel, ASequencesLogitsDoNotDependOnTheBatchAroundIt) {
  for (const bool causal : {true, false}) {
    SizedCase<float> c(40, 8, 30, 32, causal);  // 40 sequences of 30 keys: several blocks per row
    std::vector<float> batch = c.logits;
    dape_mlp_forward(batch.data(), c.bias.data(), c.weights(), c.batch, c.heads, c.seq_len, c.width, causal);
    const size_t per_sequence = static_cast<size_t>(c.heads) * c.seq_len * c.seq_len;
    for (const int b : {0, 17, 39}) {
      std::vector<float> alone(c.logits.begin() + b * per_sequence, c.logits.begin() + (b + 1) * per_sequence);
      dape_mlp_forward(alone.data(), c.bias.data(), c.weights(), 1, c.heads, c.seq_len, c.width, causal);
      std::vector<float> in_batch(batch.begin() + b * per_sequence, batch.begin() + (b + 1) * per_sequence);
      expect_same_bits(in_batch, alone);
    }
  }
}

TEST(DapeKernel, BackwardOverSeveralBlocksMatchesTheReference) {
  for (const bool causal : {true, false}) {
    SizedCase<double> c(30, 4, 40, 8, causal);  // rows of up to 1,200 columns: blocks of 12 sequences
    std::vector<double> dx = c.dscores, dref = c.dscores, dbias(c.bias.size()), dbias_ref(c.bias.size());
    std::vector<double> g(c.w1.size() + c.b1.size() + c.w2.size() + c.b2.size()), gref(g.size());
    auto tensors = [&](std::vector<double>& v) {
      double* p = v.data();
      return DapeMlpTensors<double>{p, p + c.w1.size(), p + c.w1.size() + c.b1.size(),
                                    p + c.w1.size() + c.b1.size() + c.w2.size()};
    };
    dape_mlp_backward(dx.data(), dbias.data(), tensors(g), c.logits.data(), c.bias.data(), c.weights(), c.batch,
                      c.heads, c.seq_len, c.width, causal);
    dape_mlp_backward_reference(dref.data(), dbias_ref.data(), tensors(gref), c.logits.data(), c.bias.data(),
                                c.weights(), c.batch, c.heads, c.seq_len, c.width, causal);
    for (size_t e = 0; e < dx.size(); ++e) {
      const int i = static_cast<int>(e / c.seq_len % c.seq_len), j = static_cast<int>(e % c.seq_len);
      if (!causal || j <= i) {
        ASSERT_NEAR(dx[e], dref[e], 1e-11) << "dx " << e;
      }
    }
    for (size_t e = 0; e < dbias.size(); ++e) ASSERT_NEAR(dbias[e], dbias_ref[e], 1e-10) << "dbias " << e;
    for (size_t e = 0; e < g.size(); ++e) ASSERT_NEAR(g[e], gref[e], 1e-9 * (1 + std::abs(gref[e]))) << "weights " << e;
  }
}

TEST(DapeKernel, BackwardFromTheForwardsSavedInputsGivesTheGatheredInputsBits) {
  for (const bool causal : {true, false}) {
    SizedCase<float> c(30, 8, 40, 16, causal);  // rows of up to 1,200 columns: several blocks, a short last one
    expect_same_bits(c.run(/*save_inputs=*/true), c.run(/*save_inputs=*/false));
  }
}

TEST(DapeKernel, SavedInputsHoldOneValuePerKeptEntry) {
  EXPECT_EQ(dape_mlp_saved_inputs_size(3, 4, 10, false), 3u * 4 * 10 * 10);
  EXPECT_EQ(dape_mlp_saved_inputs_size(3, 4, 10, true), 3u * 4 * (10 * 11 / 2));
}

TEST(DapeKernel, MaskedEntriesNeverReachTheKeptOnes) {
  KernelCase c;
  std::vector<double> clean = c.logits(), poisoned = c.logits();
  for (int ba = 0; ba < kB * kH; ++ba)
    for (int i = 0; i < kT; ++i)
      for (int j = i + 1; j < kT; ++j) poisoned[(ba * kT + i) * kT + j] = std::numeric_limits<double>::quiet_NaN();
  dape_mlp_forward(clean.data(), c.bias.data(), c.weights(), kB, kH, kT, kW, true);
  dape_mlp_forward(poisoned.data(), c.bias.data(), c.weights(), kB, kH, kT, kW, true);
  expect_near_on_kept(poisoned, clean, true, kB * kH);
}

TEST(DapeKernel, TheMlpMixesAcrossHeads) {
  KernelCase c;
  std::vector<double> base = c.logits(), nudged = c.logits();
  nudged[(1 * kT + 5) * kT + 2] += 1.0;  // batch 0, head 1, entry (5,2)
  dape_mlp_forward(base.data(), c.bias.data(), c.weights(), kB, kH, kT, kW, true);
  dape_mlp_forward(nudged.data(), c.bias.data(), c.weights(), kB, kH, kT, kW, true);
  EXPECT_NE(base[(0 * kT + 5) * kT + 2], nudged[(0 * kT + 5) * kT + 2]);  // head 0, same entry
  EXPECT_EQ(base[(0 * kT + 5) * kT + 3], nudged[(0 * kT + 5) * kT + 3]);  // another entry: untouched
}

TEST(Dape, ZeroedMlpLeavesTheAlibiBias) {
  for (bool causal : {true, false}) {
    HookHarness h("dape_alibi", nullptr, HookShape{2, 4, 4, 1, 9}, causal);
    zero_dape_mlp(h);
    const std::vector<double> x = h.raw_logits(), s = h.logits(0);
    const std::vector<double> slopes = alibi_slopes(4);
    for (int b = 0; b < 2; ++b)
      for (int a = 0; a < 4; ++a)
        for (int i = 0; i < 9; ++i)
          for (int j = 0; j < 9; ++j) {
            if (!h.kept(i, j)) continue;
            const double bias = causal ? -slopes[a] * (i - j) : slopes[a] * (-std::abs(i - j) + (j < i ? 0.5 : 0.0));
            ASSERT_NEAR(s[h.at(b, a, i, j)], x[h.at(b, a, i, j)] + bias, 1e-12) << causal << " " << a << " " << i << "," << j;
          }
  }
}

TEST(Dape, ZeroedMlpLeavesThePerLayerKerpleBias) {
  HookHarness h("dape_kerple", nullptr, HookShape{1, 2, 4, 2, 8}, true);
  zero_dape_mlp(h);
  h.param("encoding.dape.layer1.kerple.p", 0) = 1.7;
  h.param("encoding.dape.layer1.kerple.r", 0) = 0.3;
  const std::vector<double> x = h.raw_logits(), s = h.logits(1);
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j <= i; ++j)
      EXPECT_NEAR(s[h.at(0, 0, i, j)], x[h.at(0, 0, i, j)] - 1.7 * std::log(1 + 0.3 * (i - j)), 1e-12);
  EXPECT_NE(h.param("encoding.dape.layer0.kerple.p", 0), 1.7);  // layer 0 has its own p
}

TEST(Dape, ZeroedMlpLeavesTheDirectionalKerpleBiasInBidirectionalPasses) {
  HookHarness h("dape_kerple", nullptr, HookShape{1, 2, 4, 1, 8}, false);
  zero_dape_mlp(h);
  h.param("encoding.dape.layer0.kerple.p", 0) = 1.7;
  h.param("encoding.dape.layer0.kerple.r", 0) = 0.3;
  h.param("encoding.dape.layer0.kerple.p_right", 0) = 0.6;
  h.param("encoding.dape.layer0.kerple.r_right", 0) = 1.2;
  const std::vector<double> x = h.raw_logits(), s = h.logits(0);
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 8; ++j) {
      const double d = std::abs(i - j);
      const double bias = j <= i ? -1.7 * std::log(1 + 0.3 * d) : -0.6 * std::log(1 + 1.2 * d);
      EXPECT_NEAR(s[h.at(0, 0, i, j)], x[h.at(0, 0, i, j)] + bias, 1e-12) << i << "," << j;
    }
}

TEST(Dape, ZeroedMlpLeavesTheSymmetricKerpleBiasWhenAskedFor) {
  HookHarness h("dape_kerple", json{{"bidirectional", "symmetric"}}, HookShape{1, 2, 4, 1, 8}, false);
  zero_dape_mlp(h);
  h.param("encoding.dape.layer0.kerple.p", 0) = 1.7;
  h.param("encoding.dape.layer0.kerple.r", 0) = 0.3;
  const std::vector<double> x = h.raw_logits(), s = h.logits(0);
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 8; ++j)
      EXPECT_NEAR(s[h.at(0, 0, i, j)], x[h.at(0, 0, i, j)] - 1.7 * std::log(1 + 0.3 * std::abs(i - j)), 1e-12);
}

TEST(Dape, ZeroedMlpLeavesTheLeakyFireBias) {
  HookHarness h("dape_fire", json{{"mlp_width", 2}, {"L0", 4}}, HookShape{1, 1, 4, 1, 8}, true);
  zero_dape_mlp(h);
  pebench::testing::set_small_fire_parameters(h, "encoding.dape.layer0.fire.");
  // (6, 2): x = log 3/(log 4 + 1e-6); the second hidden unit is negative and leaks at 0.01.
  const double x = std::log(3.0) / (std::log(4.0) + 1e-6);
  const double expected = 0.7 * (x + 0.1) - 0.4 * 0.01 * (-2.0 * x + 0.3) + 0.05;
  EXPECT_NEAR(h.logits(0)[h.at(0, 0, 6, 2)], expected, 1e-12);
}

TEST(Dape, ParametersArePerLayer) {
  HookHarness alibi("dape_alibi", nullptr, HookShape{1, 4, 4, 3, 4}, true);
  const size_t mlp = 3 * 4 * 32 + 32 + 4;  // 3hw + w + h
  EXPECT_EQ(alibi.layout().total_size(), 3 * mlp);
  HookHarness kerple("dape_kerple", nullptr, HookShape{1, 4, 4, 3, 4}, true);
  EXPECT_EQ(kerple.layout().total_size(), 3 * (mlp + 4 * 4));  // p, r, p_right, r_right per layer
  EXPECT_EQ(kerple.layout().find("encoding.dape.layer2.w1").shape, (std::vector<int>{32, 8}));
  HookHarness fire("dape_fire", nullptr, HookShape{1, 4, 4, 3, 4}, true);
  EXPECT_EQ(fire.layout().total_size(), 3 * (mlp + 2 + 32 + 32 + 4 * 32 + 4));
}

TEST(Dape, KerpleClampsApplyToEveryLayer) {
  HookHarness h("dape_kerple", nullptr, HookShape{1, 2, 4, 2, 4}, true);
  h.param("encoding.dape.layer0.kerple.r", 1) = -0.2;
  h.param("encoding.dape.layer1.kerple.p", 0) = 0.0;
  h.encoding().project_parameters();
  EXPECT_DOUBLE_EQ(h.param("encoding.dape.layer0.kerple.r", 1), 0.01);
  EXPECT_DOUBLE_EQ(h.param("encoding.dape.layer1.kerple.p", 0), 0.01);
}

TEST(Dape, OptionsAreRecordedAndValidated) {
  EXPECT_EQ(make_encoding<float>("dape_alibi")->options(), (json{{"mlp_width", 32}}));
  EXPECT_EQ(make_encoding<float>("dape_kerple", json{{"mlp_width", 8}})->options(),
            (json{{"mlp_width", 8}, {"bidirectional", "directional"}}));
  EXPECT_EQ(make_encoding<float>("dape_kerple", json{{"bidirectional", "symmetric"}})->options()["bidirectional"],
            "symmetric");
  EXPECT_THROW(make_encoding<float>("dape_kerple", json{{"bidirectional", 1}}), UsageError);
  EXPECT_THROW(make_encoding<float>("dape_alibi", json{{"bidirectional", "symmetric"}}), UsageError);
  EXPECT_EQ(make_encoding<float>("dape_fire")->options(),
            (json{{"mlp_width", 32}, {"L0", 64.0}, {"init_c", 0.1}, {"eps", 1e-6}}));
  EXPECT_THROW(make_encoding<float>("dape_alibi", json{{"mlp_width", 0}}), UsageError);
  EXPECT_THROW(make_encoding<float>("dape_alibi", json{{"L0", 10}}), UsageError);
  EXPECT_THROW(make_encoding<float>("dape_fire", json{{"L0", -1}}), UsageError);
}

// A training forward keeps layer 0's MLP inputs for its backward; any other
// backward recomputes them with the attention's scores kernel. Both paths
// must give the same bits, and a backward must never read inputs that an
// evaluation pass or another pass left.
struct DapeLayerPasses {
  HookHarness h{"dape_kerple", json{{"mlp_width", 6}}, HookShape{3, 2, 4, 1, 9}, false};
  Rng rng{5, "dape-passes"};
  std::vector<double> q2 = pebench::testing::random_vector(h.qk_size(), rng),
                      k2 = pebench::testing::random_vector(h.qk_size(), rng),
                      upstream = pebench::testing::random_vector(h.logits_size(), rng);

  // q·kᵀ/sqrt(d_h) as the transformer computes it before the logits hook.
  std::vector<double> scores(const std::vector<double>& q, const std::vector<double>& k) {
    std::vector<double> s(h.logits_size());
    const HookShape& shape = h.shape();
    attention_scores_forward(s.data(), q.data(), k.data(), h.context().causal, shape.batch, shape.heads,
                             shape.seq_len, shape.d_head);
    return s;
  }
  void forward(const std::vector<double>& q, const std::vector<double>& k, bool training) {
    h.context().training = training;
    std::vector<double> s = scores(q, k);
    h.encoding().logits_forward(s.data(), q.data(), k.data(), 0, h.context());
    h.context().training = true;
  }
  // dx, dq, dk and the parameter gradients of one backward, concatenated.
  std::vector<double> backward(const std::vector<double>& q, const std::vector<double>& k) {
    std::vector<double> ds = upstream, dq(h.qk_size()), dk(h.qk_size());
    std::fill(h.grads().begin(), h.grads().end(), 0.0);
    h.encoding().logits_backward(ds.data(), dq.data(), dk.data(), q.data(), k.data(), 0, h.context());
    for (const auto* v : {&dq, &dk, &h.grads()}) ds.insert(ds.end(), v->begin(), v->end());
    return ds;
  }
  std::vector<double> recomputed(const std::vector<double>& q, const std::vector<double>& k) {
    forward(q, k, /*training=*/false);
    return backward(q, k);
  }
};

TEST(Dape, BackwardFromSavedInputsGivesTheRecomputedBits) {
  DapeLayerPasses p;
  p.forward(p.h.q(), p.h.k(), /*training=*/true);
  const std::vector<double> saved = p.backward(p.h.q(), p.h.k());
  EXPECT_EQ(saved, p.recomputed(p.h.q(), p.h.k()));
}

TEST(Dape, AnEvaluationPassBetweenForwardAndBackwardLeavesTheBackwardCorrect) {
  DapeLayerPasses p;
  const std::vector<double> expected = p.recomputed(p.h.q(), p.h.k());
  p.forward(p.h.q(), p.h.k(), /*training=*/true);
  p.forward(p.q2, p.k2, /*training=*/false);
  EXPECT_EQ(p.backward(p.h.q(), p.h.k()), expected);
}

TEST(Dape, SavedInputsServeOneBackwardOnly) {
  DapeLayerPasses p;
  const std::vector<double> expected = p.recomputed(p.q2, p.k2);
  p.forward(p.h.q(), p.h.k(), /*training=*/true);
  p.backward(p.h.q(), p.h.k());
  EXPECT_EQ(p.backward(p.q2, p.k2), expected);
}

class DapeGradients : public ::testing::TestWithParam<std::tuple<const char*, bool>> {};

TEST_P(DapeGradients, MatchFiniteDifferences) {
  const auto [name, causal] = GetParam();
  HookHarness h(name, json{{"mlp_width", 6}}, HookShape{2, 3, 4, 2, 7}, causal);
  h.check_gradients();
}

INSTANTIATE_TEST_SUITE_P(EveryBaseBothModes, DapeGradients,
                         ::testing::Combine(::testing::Values("dape_alibi", "dape_kerple", "dape_fire"),
                                            ::testing::Bool()));

TEST(DapeGradients, SymmetricKerpleFormMatchesFiniteDifferences) {
  HookHarness h("dape_kerple", json{{"mlp_width", 6}, {"bidirectional", "symmetric"}}, HookShape{2, 3, 4, 2, 7}, false);
  h.check_gradients();
}

// FIRE's threshold at 3.5 splits the 7 rows: both base-bias paths get DAPE's gradient.
TEST(Dape, FireGradientsMatchOnBothSidesOfTheThreshold) {
  HookHarness h("dape_fire", json{{"mlp_width", 6}, {"L0", 3.5}}, HookShape{2, 3, 4, 1, 7}, true);
  h.check_gradients();
}
