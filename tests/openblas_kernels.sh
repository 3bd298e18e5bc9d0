#!/usr/bin/env bash
# bench/openblas_kernels.sh: which OpenBLAS kernels compare_torch.sh forces.
set -euo pipefail
source "$(dirname "$0")/../bench/openblas_kernels.sh"
failures=0
expect() {  # expect WANT DETECTED FLAGS
  local got
  got=$(openblas_kernels_for_cpu "$2" "$3")
  if [ "$got" != "$1" ]; then
    echo "FAIL: detected '$2' with flags '$3': got '$got', want '$1'"
    failures=$((failures + 1))
  fi
}
expect Cooperlake Prescott "fpu sse2 avx2 fma avx512f avx512bw avx512_bf16 amx_bf16"
expect SkylakeX Prescott "fpu sse2 avx2 fma avx512f avx512bw avx512vl"
expect Haswell Prescott "fpu sse2 avx avx2 fma"
expect Haswell Sandybridge "fpu sse2 avx avx2 fma"
expect Haswell "" "fpu avx2 fma"
# An AVX2 set on an AVX-512 CPU (an inherited OPENBLAS_CORETYPE=Haswell on a Zen 5) ...
expect Cooperlake Zen "fpu sse2 avx2 fma avx512f avx512bw avx512_bf16"
expect SkylakeX Haswell "fpu sse2 avx2 fma avx512f avx512bw"
# OpenBLAS's own choice stands when its instruction set is the CPU's ...
expect "" Zen "fpu sse2 avx2 fma"
expect "" SkylakeX "fpu avx2 avx512f avx512bw avx512_bf16"
expect "" Cooperlake "fpu avx2 avx512f avx512bw avx512_bf16"
expect "" Haswell "fpu avx2 fma"
# ... or a set this does not know (a newer OpenBLAS's name).
expect "" Zen5 "fpu avx2 avx512f avx512bw avx512_bf16"
# ... or when the CPU really is that old.
expect "" Prescott "fpu sse2 sse3"
expect "" Sandybridge "fpu sse2 avx"
# A flag's name inside another's does not count.
expect Haswell Prescott "fpu avx2 avx512bw_like"
[ "$failures" -eq 0 ] && echo "openblas_kernels: all cases pass"
exit "$failures"
