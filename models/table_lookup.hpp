// Adding rows of a learned table to the token embeddings, and its backward
// (a scatter-add): the input hook of every learned absolute encoding whose
// row index is not simply t (rand_learned's sampled positions, BiPE's
// intra-segment positions).
#pragma once

namespace pebench {

// x[b,t,:] += table[rows[b,t],:]
// x: [B,T,D], table: [R,D], rows: [B,T] (each in [0,R)).
template <typename T>
void table_lookup_add_forward(T* x, const T* table, const int* rows, int batch, int seq_len, int dim);

// dtable[rows[b,t],:] += dx[b,t,:]
// dtable: [R,D], dx: [B,T,D], rows: [B,T]. Rows may repeat; each thread owns a
// block of columns and sums over (b,t) in order, so the result is the same for
// any thread count.
template <typename T>
void table_lookup_add_backward(T* dtable, const T* dx, const int* rows, int batch, int seq_len, int dim);

}  // namespace pebench
