// Adding rows of a learned table to the token embeddings: the input hook of
// the learned absolute encodings whose row index is not simply t
// (rand_learned's sampled positions, BiPE's intra-segment positions). It is
// the "+=" twin of layers.hpp's embedding_forward; the backward is
// embedding_backward(dtable, dx, rows, 1, B·T, D) (a scatter-add in fixed order).
#pragma once

namespace pebench {

// x[b,t,:] += table[rows[b,t],:]
// x: [B,T,D], table: [R,D], rows: [B,T] (each in [0,R)).
template <typename T>
void table_lookup_add_forward(T* x, const T* table, const int* rows, int batch, int seq_len, int dim);

}  // namespace pebench
