#include "models/encodings/support/position_math.hpp"

#include <omp.h>

#include <cstdlib>

namespace pebench {

static std::vector<double> power_of_two_slopes(int n) {
  const double start = std::pow(2.0, -8.0 / n);
  std::vector<double> slopes(n);
  for (int a = 0; a < n; ++a) slopes[a] = std::pow(start, a + 1);
  return slopes;
}

std::vector<double> alibi_slopes(int n_heads) {
  int closest = 1;
  while (closest * 2 <= n_heads) closest *= 2;
  std::vector<double> slopes = power_of_two_slopes(closest);
  if (closest == n_heads) return slopes;
  const std::vector<double> doubled = power_of_two_slopes(2 * closest);
  for (int i = 0; static_cast<int>(slopes.size()) < n_heads; i += 2) slopes.push_back(doubled[i]);
  return slopes;
}

template <typename T>
void alibi_bias(T* bias, const std::vector<double>& slopes, const int* distance, bool causal, int seq_len) {
  const int heads = static_cast<int>(slopes.size());
  for (int a = 0; a < heads; ++a)
    for (int i = 0; i < seq_len; ++i) {
      T* row = bias + (static_cast<size_t>(a) * seq_len + i) * seq_len;
      for (int j = 0; j < (causal ? i + 1 : seq_len); ++j) {
        const double left_offset = (!causal && j < i) ? 0.5 : 0.0;
        row[j] = static_cast<T>(slopes[a] * (left_offset - distance[std::abs(i - j)]));
      }
    }
}

template <typename T>
void alibi_bias(T* bias, const std::vector<double>& slopes, bool causal, int seq_len) {
  std::vector<int> distance(seq_len);  // [T] r_d = d
  for (int d = 0; d < seq_len; ++d) distance[d] = d;
  alibi_bias(bias, slopes, distance.data(), causal, seq_len);
}

template <typename T>
void sinusoid_row(T* out, double position, int dim) {
  const int half = dim / 2;
  for (int i = 0; i < half; ++i) {
    const double omega = std::pow(10000.0, -2.0 * i / dim);
    out[i] = static_cast<T>(std::sin(position * omega));
    out[half + i] = static_cast<T>(std::cos(position * omega));
  }
}

// cos/sin of p·θ_k for one row of positions: cosines[t·pairs + k].
static void rope_table(double* cosines, double* sines, const double* positions, const std::vector<double>& theta,
                       int seq_len, int direction) {
  const int pairs = static_cast<int>(theta.size());
  for (int t = 0; t < seq_len; ++t)
    for (int k = 0; k < pairs; ++k) {
      const double angle = direction * positions[t] * theta[k];
      cosines[static_cast<size_t>(t) * pairs + k] = std::cos(angle);
      sines[static_cast<size_t>(t) * pairs + k] = std::sin(angle);
    }
}

template <typename T>
void rope_apply(T* x, const double* positions, bool per_example, int batch, int heads, int seq_len,
                int d_head, int direction, double base) {
  const int pairs = d_head / 2;
  std::vector<double> theta(pairs);
  for (int k = 0; k < pairs; ++k) theta[k] = std::pow(base, -2.0 * k / d_head);
  // The angles depend on (position row, t, k) only: one cos/sin table per
  // distinct position row, shared by the heads, instead of trig per element.
  const int rows = per_example ? batch : 1;
  const size_t table_size = static_cast<size_t>(seq_len) * pairs;
  std::vector<double> cosines(rows * table_size), sines(rows * table_size);  // [rows, T, pairs]
  const bool parallel = static_cast<size_t>(batch) * heads * seq_len * d_head >= (1u << 15);
#pragma omp parallel for schedule(static) if (parallel)
  for (int r = 0; r < rows; ++r)
    rope_table(cosines.data() + r * table_size, sines.data() + r * table_size,
               positions + static_cast<size_t>(r) * seq_len, theta, seq_len, direction);
#pragma omp parallel for collapse(2) schedule(static) if (parallel)
  for (int b = 0; b < batch; ++b) {
    for (int a = 0; a < heads; ++a) {
      const size_t table = per_example ? b * table_size : 0;
      for (int t = 0; t < seq_len; ++t) {
        T* row = x + ((static_cast<size_t>(b) * heads + a) * seq_len + t) * d_head;
        const double* c_row = cosines.data() + table + static_cast<size_t>(t) * pairs;
        const double* s_row = sines.data() + table + static_cast<size_t>(t) * pairs;
        for (int k = 0; k < pairs; ++k) {
          const T c = static_cast<T>(c_row[k]), s = static_cast<T>(s_row[k]);
          const T x0 = row[2 * k], x1 = row[2 * k + 1];
          row[2 * k] = x0 * c - x1 * s;
          row[2 * k + 1] = x0 * s + x1 * c;
        }
      }
    }
  }
}

template void alibi_bias<float>(float*, const std::vector<double>&, const int*, bool, int);
template void alibi_bias<double>(double*, const std::vector<double>&, const int*, bool, int);
template void alibi_bias<float>(float*, const std::vector<double>&, bool, int);
template void alibi_bias<double>(double*, const std::vector<double>&, bool, int);
template void sinusoid_row<float>(float*, double, int);
template void sinusoid_row<double>(double*, double, int);
template void rope_apply<float>(float*, const double*, bool, int, int, int, int, int, double);
template void rope_apply<double>(double*, const double*, bool, int, int, int, int, int, double);

}  // namespace pebench
