# openblas_kernels_for_cpu DETECTED FLAGS: the OpenBLAS kernel set
# (OPENBLAS_CORETYPE) to force, or nothing to keep OpenBLAS's own choice.
#
# OpenBLAS picks its kernels from the CPU's family and model number, and a
# CPU newer than the library gets an older set than its flags allow:
# Debian's OpenBLAS 0.3.21 runs Intel's model 207 (Emerald Rapids) on the
# generic "Prescott" SSE3 kernels, about 3x slower than its AVX-512 ones on
# pebench's shapes. An environment can do the same: one of our machines (AMD
# EPYC Zen 5) set OPENBLAS_CORETYPE=Haswell for every process, and torch's
# CHE training ran 1.3x slower on those AVX2 kernels than on the AVX-512
# ones (2026-12-02). When the set in use (DETECTED: OpenBLAS's own choice,
# what OPENBLAS_VERBOSE=2 prints after "Core: ", or the inherited
# OPENBLAS_CORETYPE) is of an older instruction set than the CPU's flags
# (FLAGS, the flags line of /proc/cpuinfo), this names the newest set the
# flags support. Sourced by bench/compare_torch.sh; tested by
# tests/openblas_kernels.sh.

# The instruction-set level of a kernel set: 1 before AVX2, 2 AVX2, 3
# AVX-512 (SkylakeX, Cooperlake and Sapphire Rapids share their
# single-precision kernels), 0 for a set this does not know.
openblas_kernel_level() {
  case "$1" in
    Prescott|Katmai|Coppermine|Northwood|Banias|Core2|Penryn|Dunnington|Nehalem|Atom|Sandybridge|"") echo 1 ;;
    Haswell|Zen|Excavator) echo 2 ;;
    SkylakeX|Cooperlake|SapphireRapids) echo 3 ;;
    *) echo 0 ;;
  esac
}

openblas_kernels_for_cpu() {
  local detected="$1" flags=" $2 " newest level
  if [[ "$flags" == *" avx512_bf16 "* ]]; then newest=Cooperlake level=3
  elif [[ "$flags" == *" avx512bw "* ]]; then newest=SkylakeX level=3
  elif [[ "$flags" == *" avx2 "* ]]; then newest=Haswell level=2
  else return 0  # the CPU really is that old
  fi
  local detected_level
  detected_level=$(openblas_kernel_level "$detected")
  # A set this script does not know is kept: OpenBLAS knows the CPU better.
  if [ "$detected_level" -ne 0 ] && [ "$detected_level" -lt "$level" ]; then echo "$newest"; fi
}
