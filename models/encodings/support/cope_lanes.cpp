#include "models/encodings/support/cope_lanes.hpp"

// The wide vectors never cross a call boundary (models/simd.hpp).
#pragma GCC diagnostic ignored "-Wpsabi"
// GCC 12's unmasked AVX-512 intrinsics start from _mm512_undefined_*(), a
// self-initialised variable that its own warning then reports.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <initializer_list>

#include "models/lanes_avx512.hpp"
#include "models/simd.hpp"

namespace pebench {

bool cope_lanes_enabled() { return avx512_kernels_enabled(); }

#ifdef PEBENCH_AVX512_KERNELS

namespace {

constexpr int kLanes = kCopeLaneRows;
using lanes::first_lanes;
using lanes::load_in_halves;
using lanes::transpose16;

// Per lane: the query it carries and whether it carries one.
struct Lanes {
  __m512i query;
  __mmask16 used;
  [[gnu::target("avx512f"), gnu::always_inline]] explicit Lanes(const CopeLaneGroup& g)
      : query(_mm512_add_epi32(_mm512_set1_epi32(g.first),
                               _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15))),
        used(first_lanes(g.rows)) {}
  // Lanes whose query is at or after key j (j is a left key of theirs).
  [[gnu::target("avx512f"), gnu::always_inline]] __mmask16 left_of(int j) const {
    return used & _mm512_cmpge_epi32_mask(query, _mm512_set1_epi32(j));
  }
  // Lanes whose query is before key j (j is a right key of theirs).
  [[gnu::target("avx512f"), gnu::always_inline]] __mmask16 right_of(int j) const {
    return used & _mm512_cmplt_epi32_mask(query, _mm512_set1_epi32(j));
  }
  [[gnu::target("avx512f"), gnu::always_inline]] __mmask16 at(int j) const {
    return used & _mm512_cmpeq_epi32_mask(query, _mm512_set1_epi32(j));
  }
};

// The integer positions around p and the weight of the upper one, as the
// scalar Interpolation computes them (⌊p⌋ by truncation, p >= 0), the
// indices kept inside the table so that a NaN cannot address outside it.
struct LaneInterpolation {
  __m512i low, high;
  __m512 weight;
  [[gnu::target("avx512f"), gnu::always_inline]] LaneInterpolation(__m512 p, __m512i last_row) {
    const __m512 low_value = _mm512_roundscale_ps(p, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    const __m512i zero = _mm512_setzero_si512();
    low = _mm512_min_epi32(_mm512_max_epi32(_mm512_cvttps_epi32(p), zero), last_row);
    const __mmask16 above = _mm512_cmp_ps_mask(low_value, p, _CMP_LT_OQ);
    high = _mm512_min_epi32(_mm512_mask_add_epi32(low, above, low, _mm512_set1_epi32(1)), last_row);
    weight = _mm512_sub_ps(p, low_value);
  }
};

[[gnu::target("avx512f")]] void rows_to_lanes_avx512(float* lanes, const float* rows, const CopeLaneGroup& g) {
  for (int j0 = 0; j0 < g.seq_len; j0 += kLanes) {
    const int keys = g.seq_len - j0 < kLanes ? g.seq_len - j0 : kLanes;
    const __mmask16 columns = first_lanes(keys);
    __m512 r[16];
    for (int k = 0; k < 16; ++k)
      r[k] = k < g.rows ? load_in_halves(rows + static_cast<size_t>(k) * g.seq_len + j0, columns) : _mm512_setzero_ps();
    transpose16(r);
    for (int k = 0; k < keys; ++k) _mm512_storeu_ps(lanes + static_cast<size_t>(j0 + k) * kLanes, r[k]);
  }
}

// Keys j0 .. j0 + keys − 1 of a lane-layout buffer [T, 16] as 16 row
// vectors: r[k] holds row k's values at those keys (0 past them).
[[gnu::target("avx512f"), gnu::always_inline]] inline void lane_chunk_as_rows(__m512 r[16], const float* lanes, int j0,
                                                                              int keys) {
  for (int k = 0; k < 16; ++k)
    r[k] = k < keys ? _mm512_loadu_ps(lanes + static_cast<size_t>(j0 + k) * kLanes) : _mm512_setzero_ps();
  transpose16(r);
}

[[gnu::target("avx512f")]] void lanes_to_rows_avx512(float* rows, const float* lanes, const CopeLaneGroup& g) {
  for (int j0 = 0; j0 < g.seq_len; j0 += kLanes) {
    const int keys = g.seq_len - j0 < kLanes ? g.seq_len - j0 : kLanes;
    __m512 r[16];
    lane_chunk_as_rows(r, lanes, j0, keys);
    for (int k = 0; k < g.rows; ++k)
      _mm512_mask_storeu_ps(rows + static_cast<size_t>(k) * g.seq_len + j0, first_lanes(keys), r[k]);
  }
}

// As cope_group_positions: left keys counted from the query down, right
// keys from the query's own gate up, each lane adding only its own keys.
[[gnu::target("avx512f")]] void positions_avx512(float* positions, const float* gates, const CopeLaneGroup& g,
                                                 float max_position) {
  const Lanes lanes(g);
  const __m512 cap = _mm512_set1_ps(max_position);
  // _mm512_min_ps(cap, count) is std::min(count, cap): cap where cap < count, else count.
  __m512 count = _mm512_setzero_ps();
  for (int j = g.last(); j >= 0; --j) {
    const __mmask16 left = lanes.left_of(j);
    count = _mm512_mask_add_ps(count, left, count, _mm512_loadu_ps(gates + j * kLanes));
    _mm512_mask_storeu_ps(positions + j * kLanes, left, _mm512_min_ps(cap, count));
  }
  if (g.causal) return;
  count = _mm512_setzero_ps();  // 0 + g_ii is g_ii: the scalar pass starts from the query's gate
  for (int j = g.first; j < g.seq_len; ++j) {
    const __mmask16 counted = lanes.right_of(j) | lanes.at(j);
    count = _mm512_mask_add_ps(count, counted, count, _mm512_loadu_ps(gates + j * kLanes));
    _mm512_mask_storeu_ps(positions + j * kLanes, lanes.right_of(j), _mm512_min_ps(cap, count));
  }
}

// A lane group's walk over one side's keys. A lane's keys run in order; its
// positions fall along them on the left (the count grows towards key 0) and
// rise on the right, so the two table entries a key interpolates between
// are ⌊p⌋ = entry and entry + 1 of a few consecutive keys. Their z values
// (and, backward, the running sums of their dz) stay in registers while the
// keys are on them: a lane reads z and writes dz only when its keys move on.
struct EntryWalk {
  __m512i entry;              // per lane; −1 before its first key
  __m512 z_entry, z_above;    // z[entry], z[entry + 1] (0 past the table)
  __m512 dz_entry, dz_above;  // backward: running sums of dz[entry], dz[entry + 1]
  __m512i row;                // per lane: the offset of its rows in z and dz
  __m512i width;
  const float* z;
  float* dz;                  // nullptr: forward
  bool falling;               // left keys; rising: right keys
  [[gnu::target("avx512f"), gnu::always_inline]] EntryWalk(const CopeLaneTables& t, const Lanes& lanes, bool right)
      : entry(_mm512_set1_epi32(-1)), z_entry(_mm512_setzero_ps()), z_above(_mm512_setzero_ps()),
        dz_entry(_mm512_setzero_ps()), dz_above(_mm512_setzero_ps()),
        row(_mm512_add_epi32(_mm512_set1_epi32(right ? t.right_offset : 0),
                             _mm512_mullo_epi32(lanes.query, _mm512_set1_epi32(t.width)))),
        width(_mm512_set1_epi32(t.width)), z(t.z), dz(t.dz), falling(!right) {}

  [[gnu::target("avx512f"), gnu::always_inline]] __m512 read(__mmask16 lanes, __m512i at, __m512 otherwise) const {
    return lanes ? _mm512_mask_i32gather_ps(otherwise, lanes, _mm512_add_epi32(row, at), z, 4) : otherwise;
  }
  [[gnu::target("avx512f"), gnu::always_inline]] void write(__mmask16 lanes, __m512i at, __m512 sum) const {
    if (lanes) _mm512_mask_i32scatter_ps(dz, lanes, _mm512_add_epi32(row, at), sum, 4);
  }
  // Lanes in `moved` go to entry `low`. The entry still ahead of the keys
  // keeps its z and sum (falling: the entry becomes the one above; rising:
  // the one above becomes the entry, "carried"); the entries the keys have
  // left are written; new ones read z and start their sums at 0.
  [[gnu::target("avx512f"), gnu::always_inline]] void move(__mmask16 moved, __m512i low) {
    const __m512i one = _mm512_set1_epi32(1), next = _mm512_add_epi32(entry, one), low_next = _mm512_add_epi32(low, one);
    const __mmask16 started = moved & _mm512_cmpge_epi32_mask(entry, _mm512_setzero_si512());
    const __mmask16 carried =
        started & _mm512_cmpeq_epi32_mask(low, falling ? _mm512_sub_epi32(entry, one) : next);
    const __mmask16 low_next_in_table = _mm512_cmplt_epi32_mask(low_next, width);
    if (dz) move_sums(moved, started, carried);
    if (falling) {
      z_above = _mm512_mask_mov_ps(z_above, carried, z_entry);
      z_above = read(moved & ~carried & low_next_in_table, low_next, z_above);
      z_entry = read(moved, low, z_entry);
    } else {
      z_entry = _mm512_mask_mov_ps(z_entry, carried, z_above);
      z_entry = read(moved & ~carried, low, z_entry);
      z_above = read(moved & low_next_in_table, low_next, z_above);
    }
    entry = _mm512_mask_mov_epi32(entry, moved, low);
  }
  [[gnu::target("avx512f"), gnu::always_inline]] void move_sums(__mmask16 moved, __mmask16 started,
                                                                __mmask16 carried) {
    const __m512i next = _mm512_add_epi32(entry, _mm512_set1_epi32(1));
    const __mmask16 next_in_table = _mm512_cmplt_epi32_mask(next, width);
    const __m512 zero = _mm512_setzero_ps();
    if (falling) {
      write(started & next_in_table, next, dz_above);
      write(started & ~carried, entry, dz_entry);
      dz_above = _mm512_mask_mov_ps(dz_above, moved, _mm512_mask_mov_ps(zero, carried, dz_entry));
      dz_entry = _mm512_mask_mov_ps(dz_entry, moved, zero);
    } else {
      write(started, entry, dz_entry);
      write(started & ~carried & next_in_table, next, dz_above);
      dz_entry = _mm512_mask_mov_ps(dz_entry, moved, _mm512_mask_mov_ps(zero, carried, dz_above));
      dz_above = _mm512_mask_mov_ps(dz_above, moved, zero);
    }
  }
  // The keys are done: every lane's two entries are written.
  [[gnu::target("avx512f"), gnu::always_inline]] void finish(__mmask16 used) const {
    const __mmask16 started = used & _mm512_cmpge_epi32_mask(entry, _mm512_setzero_si512());
    const __m512i next = _mm512_add_epi32(entry, _mm512_set1_epi32(1));
    write(started, entry, dz_entry);
    write(started & _mm512_cmplt_epi32_mask(next, width), next, dz_above);
  }
};

// fn(j, active lanes, interpolation at p_j, lanes where ⌈p⌉ = ⌊p⌋, z[⌊p⌋],
// z[⌈p⌉]) for one side's keys in order, `walk` on the entries they read.
template <typename Fn>
[[gnu::target("avx512f"), gnu::always_inline]] inline void walk_side(EntryWalk& walk, const Lanes& lanes,
                                                                     const float* positions, int width,
                                                                     const CopeLaneGroup& g, Fn&& fn) {
  const bool right = !walk.falling;
  const __m512i last_row = _mm512_set1_epi32(width - 1);
  const int begin = right ? g.first + 1 : 0, end = right ? g.seq_len : g.last() + 1;
  for (int j = begin; j < end; ++j) {
    const __mmask16 active = right ? lanes.right_of(j) : lanes.left_of(j);
    const LaneInterpolation at(_mm512_loadu_ps(positions + j * kLanes), last_row);
    const __mmask16 moved = active & _mm512_cmpneq_epi32_mask(at.low, walk.entry);
    if (moved) walk.move(moved, at.low);
    // z[⌈p⌉] is z[⌊p⌋] where p is an integer (and at the clamp).
    const __mmask16 same = _mm512_cmpeq_epi32_mask(at.high, at.low);
    fn(j, active, at, same, walk.z_entry, _mm512_mask_mov_ps(walk.z_above, same, walk.z_entry));
  }
}

[[gnu::target("avx512f")]] void add_interpolated_avx512(float* scores, float* interpolated, const CopeLaneTables& t,
                                                        const float* positions, float scale, const CopeLaneGroup& g) {
  const Lanes lanes(g);
  const __m512 one = _mm512_set1_ps(1.0f);
  for (const bool right : {false, true}) {
    if (right && g.causal) break;
    EntryWalk walk(t, lanes, right);
    walk_side(walk, lanes, positions, t.width, g,
              [&](int j, __mmask16 active, const LaneInterpolation& at, __mmask16, __m512 z_low,
                  __m512 z_high) __attribute__((target("avx512f"), always_inline)) {
                // (1 − w)·z[⌊p⌋] + w·z[⌈p⌉], fused as the row-by-row pass is
                const __m512 c = _mm512_fmadd_ps(_mm512_sub_ps(one, at.weight), z_low, _mm512_mul_ps(at.weight, z_high));
                _mm512_mask_storeu_ps(interpolated + j * kLanes, active, c);
              });
  }
  // scores += scale·c, row by row.
  const __m512 scale_v = _mm512_set1_ps(scale);
  for (int j0 = 0; j0 < g.seq_len; j0 += kLanes) {
    const int keys = g.seq_len - j0 < kLanes ? g.seq_len - j0 : kLanes;
    __m512 r[16];
    lane_chunk_as_rows(r, interpolated, j0, keys);
    for (int k = 0; k < g.rows; ++k) {
      const int kept = g.causal ? g.first + k + 1 - j0 : keys;  // keys j0 .. j0 + kept − 1 of row k
      if (kept <= 0) continue;
      float* s = scores + static_cast<size_t>(k) * g.seq_len + j0;
      const __mmask16 columns = first_lanes(kept < keys ? kept : keys);
      _mm512_mask_storeu_ps(s, columns, _mm512_fmadd_ps(scale_v, r[k], _mm512_maskz_loadu_ps(columns, s)));
    }
  }
}

[[gnu::target("avx512f"), gnu::always_inline]] inline void interpolated_backward_side(
    float* dpositions, const CopeLaneTables& t, const float* dscores, const float* positions, float scale,
    const CopeLaneGroup& g, bool right) {
  const Lanes lanes(g);
  EntryWalk walk(t, lanes, right);
  const __m512 one = _mm512_set1_ps(1.0f), scale_v = _mm512_set1_ps(scale);
  walk_side(walk, lanes, positions, t.width, g,
            [&](int j, __mmask16 active, const LaneInterpolation& at, __mmask16 same, __m512 z_low,
                  __m512 z_high) __attribute__((target("avx512f"), always_inline)) {
              const __m512 dc = _mm512_mul_ps(_mm512_loadu_ps(dscores + j * kLanes), scale_v);
              _mm512_mask_storeu_ps(dpositions + j * kLanes, active, _mm512_mul_ps(_mm512_sub_ps(z_high, z_low), dc));
              // dz[⌊p⌋] += dc·(1 − w), then dz[⌈p⌉] += dc·w. Where p is an
              // integer, ⌈p⌉ = ⌊p⌋ and the row pass adds dc·0 = ±0 to dz[⌊p⌋]:
              // no change, since the sums start at +0 and so never hold −0.
              walk.dz_entry = _mm512_mask3_fmadd_ps(dc, _mm512_sub_ps(one, at.weight), walk.dz_entry, active);
              walk.dz_above = _mm512_mask3_fmadd_ps(at.weight, dc, walk.dz_above, active & ~same);
            });
  walk.finish(lanes.used);
}

[[gnu::target("avx512f")]] void interpolated_backward_avx512(float* dpositions, const CopeLaneTables& t,
                                                             const float* dscores, const float* positions, float scale,
                                                             const CopeLaneGroup& g) {
  interpolated_backward_side(dpositions, t, dscores, positions, scale, g, false);
  if (!g.causal) interpolated_backward_side(dpositions, t, dscores, positions, scale, g, true);
}

// dscores += running·g·(1 − g) in `lanes`, fused as the scalar pass is: fma(running·g, 1 − g, dscores).
[[gnu::target("avx512f"), gnu::always_inline]] inline void add_gate_path(float* dscores, const float* gates,
                                                                         __m512 running, __mmask16 lanes) {
  const __m512 g = _mm512_loadu_ps(gates);
  const __m512 updated = _mm512_fmadd_ps(_mm512_mul_ps(running, g), _mm512_sub_ps(_mm512_set1_ps(1.0f), g),
                                         _mm512_loadu_ps(dscores));
  _mm512_mask_storeu_ps(dscores, lanes, updated);
}

[[gnu::target("avx512f")]] void gate_backward_avx512(float* dscores, const float* dpositions, const float* gates,
                                                     const CopeLaneGroup& g) {
  const Lanes lanes(g);
  __m512 running = _mm512_setzero_ps();
  for (int t = 0; t <= g.last(); ++t) {  // left: gate t counts for every left key j ≤ t
    const __mmask16 left = lanes.left_of(t);
    running = _mm512_mask_add_ps(running, left, running, _mm512_loadu_ps(dpositions + t * kLanes));
    add_gate_path(dscores + t * kLanes, gates + t * kLanes, running, left);
  }
  if (g.causal) return;
  running = _mm512_setzero_ps();
  for (int t = g.seq_len - 1; t >= g.first; --t) {  // right: gate t counts for every right key j ≥ t
    const __mmask16 right = lanes.right_of(t);
    running = _mm512_mask_add_ps(running, right, running, _mm512_loadu_ps(dpositions + t * kLanes));
    add_gate_path(dscores + t * kLanes, gates + t * kLanes, running, right | lanes.at(t));  // the query's own gate too
  }
}

}  // namespace

void cope_rows_to_lanes(float* lanes, const float* rows, const CopeLaneGroup& group) {
  rows_to_lanes_avx512(lanes, rows, group);
}
void cope_lanes_to_rows(float* rows, const float* lanes, const CopeLaneGroup& group) {
  lanes_to_rows_avx512(rows, lanes, group);
}
void cope_lane_positions(float* positions, const float* gates, const CopeLaneGroup& group, float max_position) {
  positions_avx512(positions, gates, group, max_position);
}
void cope_lane_add_interpolated(float* scores, float* interpolated, const CopeLaneTables& tables,
                                const float* positions, float scale, const CopeLaneGroup& group) {
  add_interpolated_avx512(scores, interpolated, tables, positions, scale, group);
}
void cope_lane_interpolated_backward(float* dpositions, const CopeLaneTables& tables, const float* dscores,
                                     const float* positions, float scale, const CopeLaneGroup& group) {
  interpolated_backward_avx512(dpositions, tables, dscores, positions, scale, group);
}
void cope_lane_gate_backward(float* dscores, const float* dpositions, const float* gates, const CopeLaneGroup& group) {
  gate_backward_avx512(dscores, dpositions, gates, group);
}

#else
// Never called: cope_lanes_enabled() is false.
void cope_rows_to_lanes(float*, const float*, const CopeLaneGroup&) {}
void cope_lanes_to_rows(float*, const float*, const CopeLaneGroup&) {}
void cope_lane_positions(float*, const float*, const CopeLaneGroup&, float) {}
void cope_lane_add_interpolated(float*, float*, const CopeLaneTables&, const float*, float, const CopeLaneGroup&) {}
void cope_lane_interpolated_backward(float*, const CopeLaneTables&, const float*, const float*, float,
                                     const CopeLaneGroup&) {}
void cope_lane_gate_backward(float*, const float*, const float*, const CopeLaneGroup&) {}
#endif

}  // namespace pebench
