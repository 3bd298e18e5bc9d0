# PEBENCH_CPU (CMakeLists.txt) -> PEBENCH_CPU_OPTIONS, the -march/-mtune flags.
# "reference" needs a compiler that knows the flags and a build machine that
# can run what they produce (AVX2, FMA, BMI2); elsewhere (an older x86 CPU,
# ARM) it falls back to -march=native and says that the numbers will differ
# from the committed ones in the last bits.
include(CheckCXXSourceRuns)

set(PEBENCH_REFERENCE_CPU_OPTIONS -march=x86-64-v3 -mtune=znver3)

if(PEBENCH_CPU STREQUAL "reference")
  string(REPLACE ";" " " CMAKE_REQUIRED_FLAGS "${PEBENCH_REFERENCE_CPU_OPTIONS}")
  check_cxx_source_runs("
    int main() {
      __builtin_cpu_init();
      return __builtin_cpu_supports(\"avx2\") && __builtin_cpu_supports(\"fma\") &&
             __builtin_cpu_supports(\"bmi2\") ? 0 : 1;
    }" PEBENCH_HOST_RUNS_X86_64_V3)
  unset(CMAKE_REQUIRED_FLAGS)
  if(PEBENCH_HOST_RUNS_X86_64_V3)
    set(PEBENCH_CPU_OPTIONS ${PEBENCH_REFERENCE_CPU_OPTIONS})
  else()
    message(STATUS "pebench: this machine cannot build for x86-64-v3 (AVX2, FMA); using -march=native: "
                   "results will differ from the committed ones in the last bits")
    set(PEBENCH_CPU_OPTIONS -march=native)
  endif()
elseif(PEBENCH_CPU STREQUAL "native")
  set(PEBENCH_CPU_OPTIONS -march=native)
elseif(PEBENCH_CPU STREQUAL "generic")
  set(PEBENCH_CPU_OPTIONS "")
else()
  message(FATAL_ERROR "PEBENCH_CPU must be reference, native or generic, not '${PEBENCH_CPU}'")
endif()
string(REPLACE ";" " " pebench_cpu_flags "${PEBENCH_CPU_OPTIONS}")
message(STATUS "pebench: CPU target ${PEBENCH_CPU}: ${pebench_cpu_flags}")
