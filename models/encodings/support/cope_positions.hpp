// Contextual positions of CoPE query rows (Golovneva et al. 2024,
// "Contextual Position Encoding", Eq. 4 and "limited positions";
// facebookresearch/RAM projects/cope/src/cope/context_position.py).
// Separate from the encoding so that tests can drive it with exact gates.
#pragma once

namespace pebench {

// The most query rows cope_group_positions takes at once.
inline constexpr int kCopeMaxGroupRows = 8;

// positions: [T] out, gates: [T] (g_it = σ(s_it) of query i).
//   key j ≤ i: p_ij = Σ_{t=j..i} g_it     (the paper's reverse cumsum, keys up to the query)
//   key j > i: p_ij = Σ_{t=i..j} g_it     (bidirectional only: the same count on the right)
// each then clamped to max_position (= npos − 1). With every gate 1,
// p_ij = |i − j| + 1. Causal rows leave positions[j > i] untouched.
template <typename T>
void cope_row_positions(T* positions, const T* gates, int query, int seq_len, bool causal, T max_position);

// The same for `rows` consecutive queries first_query, first_query + 1, ...
// (1 <= rows <= kCopeMaxGroupRows): positions, gates: [rows, T], row r
// belonging to query first_query + r. Each row's sums are added in the
// order cope_row_positions adds them, so the results are equal bit for bit;
// the rows' running sums are interleaved because each is a chain of
// dependent adds, and several chains side by side keep the adder busy.
template <typename T>
void cope_group_positions(T* positions, const T* gates, int first_query, int rows, int seq_len, bool causal,
                          T max_position);

}  // namespace pebench
