# openblas_kernels_for_cpu DETECTED FLAGS: the OpenBLAS kernel set
# (OPENBLAS_CORETYPE) to force, or nothing to keep OpenBLAS's own choice.
#
# OpenBLAS picks its kernels from the CPU's family and model number. A CPU
# newer than the library (Debian's OpenBLAS 0.3.21 does not know Intel's
# model 207, Emerald Rapids) gets the generic "Prescott" SSE3 kernels, about
# 3x slower than its AVX-512 ones on pebench's shapes. When the detected set
# (DETECTED, what OPENBLAS_VERBOSE=2 prints after "Core: ") is older than the
# CPU's flags (FLAGS, the flags line of /proc/cpuinfo), this names the newest
# set the flags support. Sourced by bench/compare_torch.sh; tested by
# tests/openblas_kernels.sh.
openblas_kernels_for_cpu() {
  local detected="$1" flags=" $2 "
  case "$detected" in
    Prescott|Katmai|Coppermine|Northwood|Banias|Core2|Penryn|Dunnington|Nehalem|Atom|Sandybridge|"") ;;
    *) return 0 ;;  # a kernel set of the AVX2 era or later: OpenBLAS knows this CPU
  esac
  if [[ "$flags" == *" avx512_bf16 "* ]]; then echo Cooperlake
  elif [[ "$flags" == *" avx512bw "* ]]; then echo SkylakeX
  elif [[ "$flags" == *" avx2 "* ]]; then echo Haswell
  fi
}
