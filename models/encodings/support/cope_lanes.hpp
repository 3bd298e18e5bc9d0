// CoPE's per-key passes with query rows in vector lanes (float, AVX-512).
//
// The passes of models/encodings/cope.cpp that follow a query row key by key
// are chains: the positions are running sums of the gates, the gate path of
// the backward is a running sum of dL/dp, and the interpolation's adjoint
// adds into the embedding-logit gradients dz, where consecutive keys hit the
// same entries. Run row by row they are scalar code. Here 16 query rows
// travel side by side, one per lane of an AVX-512 vector: keys are the loop,
// every lane keeps its own row's order of adds, so each result has the bits
// of the row-by-row code (cope_group_positions and CoPE's scalar passes);
// tests/test_encoding_cope.cpp checks that bit for bit.
//
// The lane layout is [T, 16]: element (key j, lane r) at j·16 + r, the
// transpose of a group's rows [rows, T]; lanes past the group's rows are idle.
// Only built where the compiler targets x86-64; cope_lanes_enabled() says
// whether this CPU runs it (AVX-512, not switched off by a test).
#pragma once

namespace pebench {

// Query rows per lane group: one AVX-512 vector of floats.
inline constexpr int kCopeLaneRows = 16;

// Whether the lane kernels run here (avx512_kernels_enabled(), models/simd.hpp).
bool cope_lanes_enabled();

// A group of consecutive query rows: lane r is query first + r, for
// r < rows (1..kCopeLaneRows), over keys 0..seq_len − 1.
struct CopeLaneGroup {
  int first, rows, seq_len;
  bool causal;
  int last() const { return first + rows - 1; }
};

// lanes[j·16 + r] = rows[r·seq_len + j] for r < group.rows, 0 in idle lanes.
// rows: [group.rows, T], lanes: [T, 16].
void cope_rows_to_lanes(float* lanes, const float* rows, const CopeLaneGroup& group);
// The inverse: rows[r·seq_len + j] = lanes[j·16 + r] for r < group.rows.
void cope_lanes_to_rows(float* rows, const float* lanes, const CopeLaneGroup& group);

// cope_group_positions (models/encodings/support/cope_positions.hpp) in
// lanes, the same bits: positions, gates: [T, 16]. Causal groups leave
// positions of keys after a lane's query untouched.
void cope_lane_positions(float* positions, const float* gates, const CopeLaneGroup& group, float max_position);

// The embedding-logit tables of one (b, head) unit, z and its gradient dz:
// [sides, T, width], query i's left row at i·width, its right row at
// right_offset + i·width (bidirectional only).
struct CopeLaneTables {
  const float* z;
  float* dz;
  int width, right_offset;
};

// scores_ij += scale·c_ij for the group's keys, c_ij = (1 − w)·z_i[⌊p⌋] +
// w·z_i[⌈p⌉] (w = p − ⌊p⌋), with the row-by-row pass's rounding: the
// product w·z[⌈p⌉], then two fused multiply-adds. scores: the group's rows
// [rows, T] (causal rows: keys j ≤ i only); positions and the scratch
// interpolated: [T, 16]; tables.dz is not used.
void cope_lane_add_interpolated(float* scores, float* interpolated, const CopeLaneTables& tables,
                                const float* positions, float scale, const CopeLaneGroup& group);

// The adjoint of the interpolation c_ij = (1 − w)·z_i[⌊p⌋] + w·z_i[⌈p⌉] for
// the group's keys, dc = dscores·scale:
//   dpositions = dc·(z[⌈p⌉] − z[⌊p⌋]);  dz[⌊p⌋] += dc·(1 − w), dz[⌈p⌉] += dc·w,
// each entry's adds in key order as the scalar pass makes them. A lane's
// positions move monotonically along the keys, so it keeps the two entries
// it is adding into in registers and writes each once, when the keys have
// moved past it: the group's rows of dz must be zero on entry, and the
// entries the keys reach end up holding their sums.
// dpositions, dscores, positions: [T, 16].
void cope_lane_interpolated_backward(float* dpositions, const CopeLaneTables& tables, const float* dscores,
                                     const float* positions, float scale, const CopeLaneGroup& group);

// The adjoint of the positions' running sums, through the gates into the raw
// scores, in lanes (the same bits as CoPE's scalar gate pass):
//   left keys:  dscores_it += g_it(1 − g_it)·Σ_{j ≤ t} dp_ij
//   right keys: dscores_it += g_it(1 − g_it)·Σ_{j ≥ t, j > i} dp_ij (the query's own gate included)
// dscores, dpositions, gates: [T, 16].
void cope_lane_gate_backward(float* dscores, const float* dpositions, const float* gates, const CopeLaneGroup& group);

}  // namespace pebench
