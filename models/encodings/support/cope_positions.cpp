#include "models/encodings/support/cope_positions.hpp"

#include <algorithm>

namespace pebench {

template <typename T>
void cope_row_positions(T* positions, const T* gates, int query, int seq_len, bool causal, T max_position) {
  T count = 0;
  for (int j = query; j >= 0; --j) {
    count += gates[j];
    positions[j] = std::min(count, max_position);
  }
  if (causal) return;
  count = gates[query];
  for (int j = query + 1; j < seq_len; ++j) {
    count += gates[j];
    positions[j] = std::min(count, max_position);
  }
}

template void cope_row_positions<float>(float*, const float*, int, int, bool, float);
template void cope_row_positions<double>(double*, const double*, int, int, bool, double);

}  // namespace pebench
