// cope: Contextual Position Encoding (Golovneva et al. 2024, "Contextual
// Position Encoding: Learning to Count What's Important"; docs/encodings.md#cope).
//
// Per layer and head, with s_ij = q_i·k_j/sqrt(d_h) the raw score:
//   g_ij  = σ(s_ij)                                   gates (same q, k as attention)
//   p_ij  = min(Σ_{t=j..i} g_it, npos − 1)            contextual position (models/encodings/support/cope_positions.hpp)
//   z_i[r] = q_i·e[r],  r = 0..npos−1                 e: [npos, d_h], shared by the layer's heads
//   c_ij  = (1 − w)·z_i[⌊p⌋] + w·z_i[⌈p⌉],  w = p − ⌊p⌋
//   S_ij  = s_ij + c_ij/sqrt(d_h)                     (RAM default; scale_position_logits = false
//                                                      adds c_ij unscaled, RAM's --cope-nodiv)
// Bidirectional extension (ours, docs/encodings.md#bidirectional-attention): a key j > i counts the gates
// between the query and the key on the right, p_ij = min(Σ_{t=i..j} g_it,
// npos − 1), and reads a separate table e_right; keys j ≤ i (the query
// itself included) use e_left, so a causal model is the paper's CoPE exactly.
// (RAM's encoder code would sum to the end of the sequence instead.)
//
// Backward (exact, per row; dS = gradient w.r.t. S, dc = dS/sqrt(d_h)):
//   dz[⌊p⌋] += dc(1 − w), dz[⌈p⌉] += dc·w; dp = dc(z[⌈p⌉] − z[⌊p⌋]), 0 where clamped
//   dg_it = Σ_{j≤t} dp_ij (left keys) + Σ_{j≥t, j>i} dp_ij (right keys)
//   dS_ij += dg_ij·g_ij(1 − g_ij): the gate path, handed to q and k through the
//   raw-score gradient because the gates reuse s; dq_i += Σ_r dz[r]·e[r];
//   de[r] += Σ_{b,heads,i} dz_i[r]·q_i.
// At e = 0 (the init) z = 0, so the gates get no gradient until e moves.
//
// Cost and memory: per (b, head) unit, z = Q·Eᵀ ([T, npos], one head product
// per table, models/layers.hpp: the attention's own small-head kernels), then
// per query row vectorised passes (gates, interpolation) around the
// sequential cumulative sums, which run for a group of 8 rows side by side
// (each row's adds in its own order, so grouping changes no bit), with
// O(16·T) row buffers; nothing of size T²×npos exists. In float on an
// AVX-512 CPU the per-key passes (positions, interpolation, its adjoint, the
// gate path) run for 16 rows at once, one per vector lane
// (models/encodings/support/cope_lanes.hpp), with the same bits. The backward
// recomputes the raw scores (the kernel the attention
// used, so the gates are the forward's bit for bit) into per-thread scratch
// instead of keeping [B,h,T,T] per layer, gathers dZ [T, npos] row by row and
// ends with two head products, dq += dZ·E and de += dZᵀ·Q. de sums run over
// a fixed partition of the units, so the result is the same for any thread
// count.
//
// Source: facebookresearch/RAM projects/cope/src/cope/context_position.py
// (ContextPosSelfAttn: gates σ(q·k/√d_h)·mask, reverse cumsum, clamp to
// npos − 1, interpolation of q @ pos_emb, (q·k + pos_logits)/√d_h).
// Parameters, per layer l: encoding.cope.layer<l>.e_left and .e_right,
// [npos, d_h], zero-initialised as in RAM, not decayed. e_right only trains on
// bidirectional tasks. Options: npos (default "max_seq_len": npos =
// model.max_seq_len + 1, RAM's default of block size + 1, so that every
// position a sequence the model accepts can count, 0..max_seq_len, has its own
// row and no count is clamped; an integer >= 2 sets it, e.g. 64, the DAPE
// repo's npos_max, and positions are then clamped to npos − 1 as in RAM),
// scale_position_logits (default true), init_std (default 0: RAM's zero
// init; > 0 draws the tables from N(0, init_std), which also lets the
// gradient checks exercise the gate path).
// Why not 64 by default: the CoPE paper's selective copy counts hundreds of
// non-blank tokens, which a 64-row table clamps to one position.
// Since p_ij ≤ |i − j| + 1 ≤ T, a pass only computes and reads the first
// min(npos, T + 1) rows of each table (z and its gradient), so a table sized
// for the longest sequence costs nothing on short ones; and query i only
// rows up to i + 1 of e_left and T − i of e_right, which halves the products.
#include <algorithm>
#include <cmath>
#include <type_traits>

#include <fmt/format.h>

#include "models/encodings/support/cope_lanes.hpp"
#include "models/encodings/support/cope_positions.hpp"
#include "models/encoding.hpp"
#include "common/options_reader.hpp"
#include "models/layers.hpp"
#include "models/vector_math.hpp"

namespace pebench {

namespace {

template <typename T>
T sigmoid(T x) {
  return T(1) / (T(1) + vec::exp(-x));
}

// gates[j] = σ(scores[j]) for j < n: a pass of its own so that it vectorises.
template <typename T>
void sigmoid_gates(T* __restrict gates, const T* __restrict scores, int n) {
  for (int j = 0; j < n; ++j) gates[j] = sigmoid(scores[j]);
}

// Linear interpolation between the integer positions around p >= 0 (a
// clamped p is the integer npos − 1, where low == high and weight == 0).
template <typename T>
struct Interpolation {
  int low, high;
  T weight;  // of `high`
  explicit Interpolation(T p)
      : low(static_cast<int>(p)), high(low + (p > static_cast<T>(low))), weight(p - static_cast<T>(low)) {}
};

// s[j] += scale·((1 − w)·z[⌊p_j⌋] + w·z[⌈p_j⌉]) for j in [begin, end).
template <typename T>
void add_interpolated(T* __restrict s, const T* __restrict positions, const T* __restrict z, int begin, int end,
                      T scale) {
  for (int j = begin; j < end; ++j) {
    const Interpolation<T> at(positions[j]);
    s[j] += scale * ((T(1) - at.weight) * z[at.low] + at.weight * z[at.high]);
  }
}

}  // namespace

template <typename T>
class CoPE : public Encoding<T> {
 public:
  void configure(const json& options) override {
    OptionsReader reader = this->options_reader(options);
    const json* npos = reader.get("npos");
    const bool from_model = !npos || npos->is_string();
    if (from_model) reader.choice("npos", kNposFromModel, {kNposFromModel});  // the one string it takes
    npos_option_ = from_model ? 0 : reader.integer("npos", 64, 2, 1 << 16);
    scale_position_logits_ = reader.boolean("scale_position_logits", true);
    init_std_ = reader.number("init_std", 0.0, 0.0, 10.0);
    reader.finish();
  }
  json options() const override {
    return {{"npos", npos_option_ > 0 ? json(npos_option_) : json(kNposFromModel)},
            {"scale_position_logits", scale_position_logits_}, {"init_std", init_std_}};
  }

  void declare_parameters(ParamLayout& layout, const ModelConfig& config) override {
    npos_ = npos_option_ > 0 ? npos_option_ : config.max_seq_len + 1;
    tables_.resize(config.n_layers);
    const Init init = init_std_ > 0 ? Init::normal(init_std_) : Init::constant(0.0);
    for (int l = 0; l < config.n_layers; ++l) {
      const std::string prefix = fmt::format("encoding.{}.layer{}.", this->name(), l);
      tables_[l].left = layout.add(prefix + "e_left", {npos_, config.d_head()}, init, false);
      tables_[l].right = layout.add(prefix + "e_right", {npos_, config.d_head()}, init, false);
    }
  }
  void bind(T* params, T* grads) override {
    params_ = params;
    grads_ = grads;
  }

  bool has_logits_hook() const override { return true; }

  // Per (b, head): Z = Q·Eᵀ for both tables, then the passes over each group of query rows.
  void logits_forward(T* scores, const T* q, const T*, int layer, const EncodingContext& ctx) override {
    const int T_ = ctx.seq_len;
#pragma omp parallel
    {
      UnitScratch unit_scratch(T_, reachable_rows(ctx), ctx.causal, false);
#pragma omp for schedule(static)
      for (int unit = 0; unit < ctx.batch * ctx.n_heads; ++unit) {
        project_queries(unit_scratch, q + static_cast<size_t>(unit) * T_ * ctx.d_head, layer, ctx);
        for_row_groups(T_, [&](const RowGroup& group) {
          T* s = scores + (static_cast<size_t>(unit) * T_ + group.first) * T_;  // [rows, T]
          group_positions(unit_scratch, s, group, ctx, !lanes());
          if (lanes()) return add_position_logits_in_lanes(s, unit_scratch, group, ctx);
          for (int r = 0; r < group.rows; ++r)
            add_position_logits(s + static_cast<size_t>(r) * T_, unit_scratch, group, r, ctx);
        });
      }
    }
  }

  void logits_backward(T* dscores, T* dq, T*, const T* q, const T* k, int layer,
                       const EncodingContext& ctx) override {
    const int units = ctx.batch * ctx.n_heads, T_ = ctx.seq_len, dh = ctx.d_head;
    // de is summed per fixed block of (b, head) units, then over blocks in
    // order: deterministic for any thread count, bounded memory.
    const int blocks = std::min(units, kMaxBlocks);
    const size_t table = static_cast<size_t>(reachable_rows(ctx)) * dh;  // the rows this pass can reach
    std::vector<T> de_blocks(static_cast<size_t>(blocks) * 2 * table, T(0));  // [blocks, 2, width, d_h]
#pragma omp parallel
    {
      UnitScratch unit_scratch(T_, reachable_rows(ctx), ctx.causal, true);
#pragma omp for schedule(static)
      for (int block = 0; block < blocks; ++block) {
        T* de = de_blocks.data() + static_cast<size_t>(block) * 2 * table;  // [2, npos, d_h]
        const int first = static_cast<int>(static_cast<int64_t>(block) * units / blocks);
        const int end = static_cast<int>(static_cast<int64_t>(block + 1) * units / blocks);
        for (int unit = first; unit < end; ++unit) {
          const size_t head = static_cast<size_t>(unit) * T_ * dh;
          unit_backward(unit_scratch, dscores + static_cast<size_t>(unit) * T_ * T_, dq + head, de, de + table,
                        q + head, k + head, layer, ctx);
        }
      }
    }
    T* de_left = grads_ + tables_[layer].left;
    T* de_right = grads_ + tables_[layer].right;
    for (int block = 0; block < blocks; ++block)
      for (size_t e = 0; e < table; ++e) {
        de_left[e] += de_blocks[static_cast<size_t>(block) * 2 * table + e];
        de_right[e] += de_blocks[static_cast<size_t>(block) * 2 * table + table + e];
      }
  }

 private:
  static constexpr int kMaxBlocks = 64;
  static constexpr const char* kNposFromModel = "max_seq_len";

  struct TableOffsets {
    size_t left = 0, right = 0;  // e_left, e_right: [npos, d_h]
  };
  // Whether the passes run with query rows in vector lanes
  // (models/encodings/support/cope_lanes.hpp: float, AVX-512): the same bits
  // as the row-by-row passes below, which run otherwise.
  static bool lanes() {
    if constexpr (std::is_same_v<T, float>) return cope_lanes_enabled();
    else return false;
  }
  static int group_rows() { return lanes() ? kCopeLaneRows : kCopeMaxGroupRows; }

  // Per-thread buffers for one (b, head) unit.
  struct UnitScratch {
    UnitScratch(int seq_len, int width, bool causal, bool backward)
        : width(width), right_offset(seq_len * width), gates(kCopeLaneRows * static_cast<size_t>(seq_len)),
          positions(gates.size()), dpositions(gates.size()),
          z(static_cast<size_t>(causal ? 1 : 2) * seq_len * width), dz(backward ? z.size() : 0),
          raw_scores(backward ? static_cast<size_t>(seq_len) * seq_len : 0),
          lanes(lanes_enabled() ? 4 * gates.size() : 0) {}
    static bool lanes_enabled() { return CoPE::lanes(); }
    int width;                                    // table rows this pass can reach: min(npos, T + 1)
    int right_offset;                             // of the right table's rows in z and dz
    std::vector<T> gates, positions, dpositions;  // [group rows, T] of the current rows: g_ij, p_ij, dL/dp_ij
    std::vector<T> z, dz;                         // [sides, T, width] z_i[r] = q_i·e[r] and gradients
    std::vector<T> raw_scores;                    // [T, T] q·kᵀ/sqrt(d_h), recomputed for the backward
    std::vector<T> lanes;                         // [4, T, 16] the lane layout of gates, positions, ds (or c), dp
    T* z_left() { return z.data(); }
    T* z_right() { return z.data() + right_offset; }
    T* dz_left() { return dz.data(); }
    T* dz_right() { return dz.data() + right_offset; }
    T* gates_in_lanes() { return lanes.data(); }
    T* positions_in_lanes() { return lanes.data() + gates.size(); }
    T* dscores_in_lanes() { return lanes.data() + 2 * gates.size(); }
    T* dpositions_in_lanes() { return lanes.data() + 3 * gates.size(); }
    T* interpolated_in_lanes() { return dscores_in_lanes(); }  // forward only
  };
  // Consecutive query rows first .. first + rows − 1, handled together so
  // that their sequential sums (positions, the gate path) run side by side.
  struct RowGroup {
    int first, rows;
    int query(int r) const { return first + r; }
  };
  // fn(group) for the groups covering rows 0..seq_len − 1 in order (the last one may be short).
  template <typename Fn>
  static void for_row_groups(int seq_len, Fn&& fn) {
    const int rows = group_rows();
    for (int first = 0; first < seq_len; first += rows) fn(RowGroup{first, std::min(rows, seq_len - first)});
  }
  static CopeLaneGroup lane_group(const RowGroup& group, const EncodingContext& ctx) {
    return {group.first, group.rows, ctx.seq_len, ctx.causal};
  }

  static int last_key(int i, const EncodingContext& ctx) { return ctx.causal ? i : ctx.seq_len - 1; }
  // Rows of a table a pass can read: p_ij ≤ |i − j| + 1 ≤ T and p_ij ≤ npos − 1.
  int reachable_rows(const EncodingContext& ctx) const { return std::min(npos_, ctx.seq_len + 1); }

  T position_scale(const EncodingContext& ctx) const {
    return scale_position_logits_ ? T(1) / std::sqrt(static_cast<T>(ctx.d_head)) : T(1);
  }

  // The table rows query i can reach: p_ij ≤ i + 1 on the left (keys j ≤ i)
  // and p_ij ≤ T − i on the right (keys j > i), so z_i and dz_i are only
  // computed and read up to there; the head products skip the rest.
  static ColumnBand left_reach() { return {2, 1}; }
  static ColumnBand right_reach(const EncodingContext& ctx) { return {ctx.seq_len + 1, -1}; }

  // z = Q·Eᵀ: [T, width] for the left table (and the right one if bidirectional), within reach.
  void project_queries(UnitScratch& u, const T* q, int layer, const EncodingContext& ctx) const {
    const int T_ = ctx.seq_len, dh = ctx.d_head, w = u.width;
    head_product_abt(u.z_left(), q, params_ + tables_[layer].left, T(1), T_, w, dh, left_reach());
    if (!ctx.causal)
      head_product_abt(u.z_right(), q, params_ + tables_[layer].right, T(1), T_, w, dh, right_reach(ctx));
  }

  // Gates and positions of the group's queries from their raw scores s:
  // [rows, T]. In lanes, they are left in the lane layout, and the positions
  // also in rows if `in_rows`.
  void group_positions(UnitScratch& u, const T* s, const RowGroup& group, const EncodingContext& ctx,
                       bool in_rows) const {
    const int T_ = ctx.seq_len;
    for (int r = 0; r < group.rows; ++r)
      sigmoid_gates(u.gates.data() + static_cast<size_t>(r) * T_, s + static_cast<size_t>(r) * T_,
                    last_key(group.query(r), ctx) + 1);
    if constexpr (std::is_same_v<T, float>) {
      if (lanes()) {
        const CopeLaneGroup in_lanes = lane_group(group, ctx);
        cope_rows_to_lanes(u.gates_in_lanes(), u.gates.data(), in_lanes);
        cope_lane_positions(u.positions_in_lanes(), u.gates_in_lanes(), in_lanes, static_cast<T>(npos_ - 1));
        if (in_rows) cope_lanes_to_rows(u.positions.data(), u.positions_in_lanes(), in_lanes);
        return;
      }
    }
    cope_group_positions(u.positions.data(), u.gates.data(), group.first, group.rows, T_, ctx.causal,
                         static_cast<T>(npos_ - 1));
  }

  // s[j] += c_ij·scale for the keys of the group's row r (query i): left keys
  // (j <= i) read z_left, right keys z_right.   s: [T]
  void add_position_logits(T* s, const UnitScratch& u, const RowGroup& group, int r,
                           const EncodingContext& ctx) const {
    const int i = group.query(r);
    const size_t row = static_cast<size_t>(i) * u.width;
    const T* positions = u.positions.data() + static_cast<size_t>(r) * ctx.seq_len;
    add_interpolated(s, positions, u.z.data() + row, 0, i + 1, position_scale(ctx));
    if (!ctx.causal)
      add_interpolated(s, positions, u.z.data() + u.right_offset + row, i + 1, ctx.seq_len, position_scale(ctx));
  }

  // add_position_logits for the group's rows s: [rows, T], in lanes.
  void add_position_logits_in_lanes(T* s, UnitScratch& u, const RowGroup& group, const EncodingContext& ctx) const {
    if constexpr (std::is_same_v<T, float>)
      cope_lane_add_interpolated(s, u.interpolated_in_lanes(), lane_tables(u), u.positions_in_lanes(),
                                 position_scale(ctx), lane_group(group, ctx));
  }
  static CopeLaneTables lane_tables(UnitScratch& u) { return {u.z.data(), u.dz.data(), u.width, u.right_offset}; }

  // One (b, head) unit. ds: [T, T] (in place, gate path added); dq: [T, d_h]
  // (+=); de_left, de_right: [npos, d_h] (+=); q, k: [T, d_h].
  void unit_backward(UnitScratch& u, T* ds, T* dq, T* de_left, T* de_right, const T* q, const T* k, int layer,
                     const EncodingContext& ctx) const {
    const int T_ = ctx.seq_len, dh = ctx.d_head;
    // The kernel attention_scores_forward uses, so the gates equal the forward's bit for bit.
    head_product_abt(u.raw_scores.data(), q, k, T(1) / std::sqrt(static_cast<T>(dh)), T_, T_, dh);
    project_queries(u, q, layer, ctx);
    std::fill(u.dz.begin(), u.dz.end(), T(0));
    for_row_groups(T_, [&](const RowGroup& group) {
      const size_t offset = static_cast<size_t>(group.first) * T_;
      group_positions(u, u.raw_scores.data() + offset, group, ctx, !lanes());
      if (lanes()) return group_backward_in_lanes(u, ds + offset, group, ctx);
      interpolated_backward(u, ds + offset, group, ctx);
      gate_backward(ds + offset, u, group, ctx);
    });
    // dq += dZ·E;  de += dZᵀ·Q  (per side)
    const size_t left = tables_[layer].left, right = tables_[layer].right;
    table_backward(dq, de_left, q, u.dz_left(), params_ + left, u.width, left_reach(), ctx);
    if (!ctx.causal) table_backward(dq, de_right, q, u.dz_right(), params_ + right, u.width, right_reach(ctx), ctx);
  }

  // interpolated_backward and gate_backward in lanes, for the group's rows of
  // ds: [rows, T] (the gates and positions in lanes from group_positions).
  void group_backward_in_lanes(UnitScratch& u, T* ds, const RowGroup& group, const EncodingContext& ctx) const {
    if constexpr (std::is_same_v<T, float>) {
      const CopeLaneGroup in_lanes = lane_group(group, ctx);
      cope_rows_to_lanes(u.dscores_in_lanes(), ds, in_lanes);
      cope_lane_interpolated_backward(u.dpositions_in_lanes(), lane_tables(u), u.dscores_in_lanes(),
                                      u.positions_in_lanes(), position_scale(ctx), in_lanes);
      cope_lane_gate_backward(u.dscores_in_lanes(), u.dpositions_in_lanes(), u.gates_in_lanes(), in_lanes);
      cope_lanes_to_rows(ds, u.dscores_in_lanes(), in_lanes);
    }
  }

  // The adjoint of add_position_logits for the group's rows, ds: [rows, T]:
  // dz[⌊p⌋] += dc(1 − w), dz[⌈p⌉] += dc·w; dp = dc(z[⌈p⌉] − z[⌊p⌋]) (0 at a
  // clamp), with dc = ds·scale. Keys run in order, the rows side by side:
  // consecutive keys of a row often update the same dz entries, a chain
  // through memory that the other rows' independent updates can overlap.
  void interpolated_backward(UnitScratch& u, const T* ds, const RowGroup& group, const EncodingContext& ctx) const {
    const int T_ = ctx.seq_len, last_query = group.query(group.rows - 1);
    const T scale = position_scale(ctx);
    // Local pointers: stores through T* could otherwise alias the vectors' own.
    const T* __restrict positions = u.positions.data();
    T* __restrict dpositions = u.dpositions.data();
    const T* z_left = u.z_left();
    const T* z_right = u.z_right();
    T* dz_left = u.dz_left();
    T* dz_right = u.dz_right();
    const size_t width = u.width;
    auto key = [&](int r, int j, const T* z, T* dz) {
      const size_t row = static_cast<size_t>(group.query(r)) * width, at = static_cast<size_t>(r) * T_ + j;
      const T dc = ds[at] * scale;
      const Interpolation<T> where(positions[at]);
      dpositions[at] = dc * (z[row + where.high] - z[row + where.low]);
      dz[row + where.low] += dc * (T(1) - where.weight);
      dz[row + where.high] += dc * where.weight;
    };
    for (int j = 0; j <= group.first; ++j)  // a left key of every row
      for (int r = 0; r < group.rows; ++r) key(r, j, z_left, dz_left);
    for (int j = group.first + 1; j <= last_query; ++j)
      for (int r = 0; r < group.rows; ++r) {
        if (j <= group.query(r))
          key(r, j, z_left, dz_left);
        else if (!ctx.causal)
          key(r, j, z_right, dz_right);
      }
    if (ctx.causal) return;
    for (int j = last_query + 1; j < T_; ++j)  // a right key of every row
      for (int r = 0; r < group.rows; ++r) key(r, j, z_right, dz_right);
  }

  // Adjoint of the cumulative sums, through the gates into the raw scores,
  // for the group's rows (ds: [rows, T]). As in cope_group_positions, each
  // row's sums keep their order; the keys all rows share run side by side.
  static void gate_backward(T* ds, const UnitScratch& u, const RowGroup& group, const EncodingContext& ctx) {
    const int T_ = ctx.seq_len, last_query = group.query(group.rows - 1);
    // Local pointers: stores through ds could otherwise alias the vectors' own.
    const T* __restrict dpositions = u.dpositions.data();
    const T* __restrict gates = u.gates.data();
    T running[kCopeMaxGroupRows];
    auto key = [&](int r, int t) {  // running += dp; ds += running·g(1 − g) at (row r, key t)
      const size_t at = static_cast<size_t>(r) * T_ + t;
      running[r] += dpositions[at];
      ds[at] += running[r] * gates[at] * (T(1) - gates[at]);
    };
    // Left: per row Σ_{j ≤ t} dp_ij, since gate t counts for every left key j ≤ t.
    std::fill(running, running + group.rows, T(0));
    for (int t = 0; t <= group.first; ++t)
      for (int r = 0; r < group.rows; ++r) key(r, t);
    for (int r = 0; r < group.rows; ++r)
      for (int t = group.first + 1; t <= group.query(r); ++t) key(r, t);
    if (ctx.causal) return;
    // Right: per row Σ_{j ≥ t, j > i} dp_ij, since gate t counts for every right key j ≥ t.
    std::fill(running, running + group.rows, T(0));
    for (int t = T_ - 1; t > last_query; --t)
      for (int r = 0; r < group.rows; ++r) key(r, t);
    for (int r = 0; r < group.rows; ++r) {
      const int i = group.query(r);
      for (int t = last_query; t > i; --t) key(r, t);
      const size_t own = static_cast<size_t>(r) * T_ + i;  // the query's own gate counts on both sides
      ds[own] += running[r] * gates[own] * (T(1) - gates[own]);
    }
  }

  // dq += dZ·E;  de += dZᵀ·Q over the first `width` rows, within reach.
  // dz: [T, width], e, de: [npos, d_h], q, dq: [T, d_h].
  static void table_backward(T* dq, T* de, const T* q, const T* dz, const T* e, int width, ColumnBand reach,
                             const EncodingContext& ctx) {
    head_product_ab_add(dq, dz, e, T(1), ctx.seq_len, width, ctx.d_head, reach);
    head_product_atb_add(de, dz, q, T(1), ctx.seq_len, width, ctx.d_head, reach);
  }

  int npos_option_ = 0;  // 0: max_seq_len + 1
  int npos_ = 64;        // resolved in declare_parameters
  bool scale_position_logits_ = true;
  double init_std_ = 0.0;
  std::vector<TableOffsets> tables_;  // per layer
  T* params_ = nullptr;
  T* grads_ = nullptr;
};

PEBENCH_ENCODING(CoPE, "cope", EncodingKind::contextual, "Golovneva et al. 2024 (CoPE)",
                 "positions counted by sigmoid gates on the attention scores, interpolated embeddings");

}  // namespace pebench
