#include "models/encodings/support/cope_positions.hpp"

#include <algorithm>

namespace pebench {

template <typename T>
void cope_row_positions(T* positions, const T* gates, int query, int seq_len, bool causal, T max_position) {
  cope_group_positions(positions, gates, query, 1, seq_len, causal, max_position);
}

// Each side runs in two parts: first each row alone over the keys where the
// rows' ranges differ (at most rows − 1 of them), then all rows together
// over the keys every row counts.
template <typename T>
void cope_group_positions(T* positions, const T* gates, int first_query, int rows, int seq_len, bool causal,
                          T max_position) {
  const int last_query = first_query + rows - 1;
  T count[kCopeMaxGroupRows];
  // Left keys j ≤ i, counted from the query down.
  for (int r = 0; r < rows; ++r) {
    const T* g = gates + static_cast<size_t>(r) * seq_len;
    T* p = positions + static_cast<size_t>(r) * seq_len;
    count[r] = 0;
    for (int j = first_query + r; j > first_query; --j) {
      count[r] += g[j];
      p[j] = std::min(count[r], max_position);
    }
  }
  for (int j = first_query; j >= 0; --j)
    for (int r = 0; r < rows; ++r) {
      const size_t at = static_cast<size_t>(r) * seq_len + j;
      count[r] += gates[at];
      positions[at] = std::min(count[r], max_position);
    }
  if (causal) return;
  // Right keys j > i, counted from the query's own gate up.
  for (int r = 0; r < rows; ++r) {
    const T* g = gates + static_cast<size_t>(r) * seq_len;
    T* p = positions + static_cast<size_t>(r) * seq_len;
    count[r] = g[first_query + r];
    for (int j = first_query + r + 1; j <= last_query; ++j) {
      count[r] += g[j];
      p[j] = std::min(count[r], max_position);
    }
  }
  for (int j = last_query + 1; j < seq_len; ++j)
    for (int r = 0; r < rows; ++r) {
      const size_t at = static_cast<size_t>(r) * seq_len + j;
      count[r] += gates[at];
      positions[at] = std::min(count[r], max_position);
    }
}

template void cope_row_positions<float>(float*, const float*, int, int, bool, float);
template void cope_row_positions<double>(double*, const double*, int, int, bool, double);
template void cope_group_positions<float>(float*, const float*, int, int, int, bool, float);
template void cope_group_positions<double>(double*, const double*, int, int, int, bool, double);

}  // namespace pebench
