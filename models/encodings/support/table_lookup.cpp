#include "models/encodings/support/table_lookup.hpp"

#include <cstddef>

namespace pebench {

template <typename T>
void table_lookup_add_forward(T* x, const T* table, const int* rows, int batch, int seq_len, int dim) {
  const size_t tokens = static_cast<size_t>(batch) * seq_len;
#pragma omp parallel for schedule(static)
  for (size_t n = 0; n < tokens; ++n) {
    T* out = x + n * dim;
    const T* row = table + static_cast<size_t>(rows[n]) * dim;
    for (int c = 0; c < dim; ++c) out[c] += row[c];
  }
}

template void table_lookup_add_forward<float>(float*, const float*, const int*, int, int, int);
template void table_lookup_add_forward<double>(double*, const double*, const int*, int, int, int);

}  // namespace pebench
